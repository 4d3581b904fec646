"""Hypothesis settings for the hostile-input suite (applied per test, never loaded globally).

`SAFETY` is the local profile; under CI (env CI set) `derandomize` makes every run check the same
examples, so a red build is reproducible and never a coin toss. STUDIO_FUZZ_SCALE multiplies the
example counts for a long local soak (e.g. STUDIO_FUZZ_SCALE=20).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "studio-safety",
    # No per-example deadline: on a loaded 2-core machine one slow example is noise, not a bug.
    # The work is bounded by max_examples (examples() below) and a hang by pytest-timeout.
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    print_blob=True,
)
settings.register_profile(
    "studio-safety-ci",
    parent=settings.get_profile("studio-safety"),
    derandomize=True,
    database=None,
)
SAFETY = settings.get_profile("studio-safety-ci" if os.environ.get("CI") else "studio-safety")
SCALE = float(os.environ.get("STUDIO_FUZZ_SCALE", "1"))


def examples(count: int) -> int:
    return max(1, int(count * SCALE))
