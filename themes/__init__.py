"""drover's Textual themes, as data."""
