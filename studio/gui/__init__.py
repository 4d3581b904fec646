"""The desktop studio (PySide6 + qasync). The only package that imports Qt."""
