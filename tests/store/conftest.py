"""Helpers of the store's tests: a status-message builder and a comparable picture of a whole store."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from exchange.store import StatusDraft, Verdict
from exchange.store.models import DocRecord, FindingRow, ReceivedFile
from exchange.store.queries import account_reports_of_file, to_account_report
from tests.services import PostgresCluster


@pytest.fixture
def clean_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second empty database of the same engine as `db_url`, for a clean run to compare with."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'clean.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(f"clean_{uuid.uuid4().hex[:16]}")


def status_builder(verdict: Verdict) -> StatusDraft:
    """Stands in for exchange.status: what matters here is that the store keeps what it is given."""
    codes = ",".join(str(finding.code) for finding in verdict.findings)
    status = "Accepted" if verdict.accepted else "Rejected"
    return StatusDraft(
        message_ref_id=f"BE-status-{verdict.packet.sha256[:16]}",
        content=f"<status>{status}:{codes}</status>".encode(),
    )


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything the store holds, without surrogate keys or clock readings: two stores that went
    through the same files compare equal."""
    with Session(engine) as session:
        files = session.scalars(select(ReceivedFile).order_by(ReceivedFile.packet_sha256)).all()
        doc_ref_by_id = {
            row.id: row.doc_ref_id for row in session.execute(select(DocRecord.id, DocRecord.doc_ref_id))
        }
        versions = session.scalars(select(DocRecord).order_by(DocRecord.sender, DocRecord.doc_ref_id)).all()
        return {
            "files": [
                (
                    file.packet_sha256,
                    file.state.value,
                    file.rejection_code,
                    file.message_ref_id,
                    file.records_stored,
                    file.records_refused,
                    [(f.code, f.level, f.doc_ref_ids) for f in file.findings],
                    None if file.status_message is None else file.status_message.content,
                    [to_account_report(row) for row in account_reports_of_file(session, file.id)],
                )
                for file in files
            ],
            "versions": [
                (
                    v.sender,
                    v.doc_ref_id,
                    v.kind.value,
                    v.doc_type_indic,
                    v.state.value,
                    doc_ref_by_id[v.chain_id],
                    None if v.corrects_id is None else doc_ref_by_id[v.corrects_id],
                )
                for v in versions
            ],
            "findings": session.scalars(select(FindingRow.code).order_by(FindingRow.code)).all(),
        }


# The Benelux of the pipeline tests (real keys, real packets) for the store's tests with real files.
from tests.pipeline.conftest import be_settings, benelux  # noqa: E402, F401
