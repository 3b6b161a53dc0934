"""Suite-wide test configuration.

Hypothesis runs with a bounded example count and no deadline (shared, noisy
machines); the seed comes from ``--hypothesis-seed`` (the Makefile passes
``HYPOTHESIS_SEED``), so a CI failure can be replayed exactly.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "agentos",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("agentos")
