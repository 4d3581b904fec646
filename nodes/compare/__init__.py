"""Compare nodes: one prompt to several providers, models and seeds, side by side."""
