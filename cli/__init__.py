"""The `drover` console script."""
