"""The reconciliation's table: one decision per reported party, with the evidence behind it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

import exchange.registry.models
import exchange.store.models  # noqa: F401  (the party and file tables the decisions belong to)
from exchange.models import Base
from exchange.store.types import Id


class PartyMatch(Base):
    """How a reported party (holder, controlling person, substantial owner) relates to the registry.

    `decision` is match, candidates, no_match or conflict; `taxpayer_id` is the matched taxpayer, or for a
    conflict the owner of the reported TIN. `explanation` holds the per-field match weights of the
    decision and `candidates` the ranked alternatives, both as JSON an analyst can read.
    """

    __tablename__ = "party_match"

    party_id: Mapped[int] = mapped_column(Id, ForeignKey("party.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("received_file.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10), index=True)
    method: Mapped[str] = mapped_column(String(8))  # tin, linkage
    taxpayer_id: Mapped[int | None] = mapped_column(Id, ForeignKey("taxpayer.id"), index=True)
    match_weight: Mapped[float | None] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    model_version: Mapped[str] = mapped_column(String(32))
    matched_at: Mapped[datetime] = mapped_column()


class TrainedModel(Base):
    """A linkage model trained on the registry and the stored reports (exchange.reconcile.training):
    its m and u per level as `LinkageModel.to_dict` writes them, and how it was trained. The newest of
    a kind is the one the matcher uses; `party_match.model_version` names the one each decision used."""

    __tablename__ = "linkage_model"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    trained_at: Mapped[datetime] = mapped_column()
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    training: Mapped[dict[str, Any]] = mapped_column(JSON)


from exchange.reconcile import report_matches as _report_matches  # noqa: E402, F401  (DPI and CbC matches on the same metadata)
