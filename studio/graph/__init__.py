"""Graph model, port types and the graph file format: pure Python, no Qt, no I/O beyond files."""
