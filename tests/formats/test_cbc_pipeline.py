"""CbC files through `exchange process`: packet, pipeline, store (SQLite and PostgreSQL), analyst views,
and the CbC status message the sender opens; corrections chain across files."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import create_engine, text

from exchange.formats import cbcstm_v2, load_schema
from exchange.status import CBC_STATUS
from tests.formats.cbc_documents import cbc_document, entity, header, report
from tests.formats.packets import opened_answer, process, seal_as
from tests.validation.packets import Receiver


def test_a_cbc_file_is_accepted_answered_and_in_the_views(belgium: Receiver, db_url: str) -> None:
    exit_code, result = process(belgium, seal_as(belgium, cbc_document(), "CBC", sender="LU"))
    assert (exit_code, result["outcome"]) == (0, "accepted"), result
    kind, message = opened_answer(result, belgium.benelux["LU"])
    assert kind == "CBCStatus" and message.tag == f"{{{CBC_STATUS.namespace}}}CbCStatusMessage_OECD"
    load_schema(cbcstm_v2.SPEC).assertValid(message)
    engine = create_engine(db_url)
    with engine.connect() as connection:
        group = connection.execute(
            text("SELECT name, mne_group_name, reporting_role FROM cbc_reporting_entities")
        ).one()
        rows = connection.execute(
            text(
                "SELECT res_country_code, profit_or_loss, tax_paid, employees, mne_group_name "
                "FROM cbc_jurisdiction_summaries ORDER BY res_country_code"
            )
        ).all()
        entities = connection.execute(
            text("SELECT jurisdiction, name, tin, biz_activities FROM cbc_constituent_entities ORDER BY 1")
        ).all()
    engine.dispose()
    assert tuple(group) == ("Groupe Lux Holding S.A.", "Groupe Lux", "CBC701")
    assert [(row[0], Decimal(str(row[1])), Decimal(str(row[2])), row[3], row[4]) for row in rows] == [
        ("BE", Decimal(1_000_000), Decimal(200_000), 40, "Groupe Lux"),
        ("LU", Decimal(1_000_000), Decimal(200_000), 40, "Groupe Lux"),
    ]
    assert [(row[0], row[1], row[2]) for row in entities] == [
        ("BE", "Lux Belgium NV", "0403019261"),
        ("LU", "Groupe Lux Holding S.A.", "LU12345678"),
    ]
    assert "CBC501" in str(entities[0][3])


def test_a_cbc_correction_replaces_the_report(belgium: Receiver, db_url: str) -> None:
    assert process(belgium, seal_as(belgium, cbc_document(), "CBC", sender="LU"))[1]["outcome"] == "accepted"
    resent = entity("LU2025-RE-1", "OECD0")
    corrected = report("BE", "LU2025-CR-BE2", "OECD2", "LU2025-CR-BE")
    second = cbc_document(corrected, head=header("LU2025BE-CBC-0002", "CBC402"), reporting=resent)
    _, result = process(belgium, seal_as(belgium, second, "CBC", sender="LU"))
    assert result["outcome"] == "accepted", result
    unknown = report("BE", "LU2025-CR-BE3", "OECD2", "LU2025-CR-404")
    third = cbc_document(unknown, head=header("LU2025BE-CBC-0003", "CBC402"), reporting=resent)
    _, result = process(belgium, seal_as(belgium, third, "CBC", sender="LU"))
    assert 80002 in {finding["code"] for finding in result["findings"]}, result
    engine = create_engine(db_url)
    with engine.connect() as connection:
        live = (
            connection.execute(text("SELECT doc_ref_id FROM cbc_jurisdiction_summaries ORDER BY doc_ref_id"))
            .scalars()
            .all()
        )
    engine.dispose()
    assert live == ["LU2025-CR-BE2", "LU2025-CR-LU"]
