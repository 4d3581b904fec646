"""Video nodes: motion from a still picture, loading a video file."""
