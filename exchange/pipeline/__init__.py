"""The chain that turns one received packet into a stored outcome and an answer to its sender.

The names below load on first use: `exchange validate` needs only `exchange.pipeline.document`, and
importing the whole chain (store, reconciliation, anomalies, pyarrow) would cost it memory and time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exchange.pipeline.process import Pipeline, PipelineResult, packet_digest, process_packet

__all__ = ["Pipeline", "PipelineResult", "packet_digest", "process_packet"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("exchange.pipeline.process"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
