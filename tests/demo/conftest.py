"""The demo at size 400 (tests/integration/test_demo.py's fixture), run once for each module here."""

from __future__ import annotations

from tests.integration.test_demo import demo  # noqa: F401
