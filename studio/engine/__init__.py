"""The engine: node registry, executor, events, cache and run history (no Qt)."""
