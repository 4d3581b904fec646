"""Media engine: decode, encode, frames, audio arrangement (PyAV, OpenCV, Pillow, pydub). No Qt."""
