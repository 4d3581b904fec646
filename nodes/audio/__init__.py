"""Audio nodes: speech, music, load."""
