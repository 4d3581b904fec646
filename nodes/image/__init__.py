"""Image nodes: generate, load, title cards, describe."""
