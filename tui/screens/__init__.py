"""drover's screens: navigation targets, each with its own `.tcss` beside it."""
