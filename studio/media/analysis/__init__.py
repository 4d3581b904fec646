"""Signal analyses for the coherence check: the mood of pictures, music and narration.

Each analysis is signal processing (numpy, OpenCV), not a model: it measures what it says
(brightness, chroma, tempo, pitch...) and maps the measures to valence and energy by stated,
simple rules, so every number can be checked and every word traced to a number.
"""
