"""Check nodes: reports on a piece that change nothing by themselves."""
