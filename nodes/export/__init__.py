"""Export nodes: write a finished piece to a file the user chooses."""
