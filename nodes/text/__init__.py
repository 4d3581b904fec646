"""Text nodes: prompts, the creative brief."""
