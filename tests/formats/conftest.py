"""Fixtures of the format tests: the Benelux with real keys, and Belgium receiving through
`exchange process`."""

from __future__ import annotations

from tests.pipeline.conftest import benelux  # noqa: F401
from tests.validation.packets import belgium  # noqa: F401
