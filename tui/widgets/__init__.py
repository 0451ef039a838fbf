"""drover's widgets: each in its own module, reusable, styled with `DEFAULT_CSS` only."""
