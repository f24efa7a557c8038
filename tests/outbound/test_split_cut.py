"""Submissions split by residence and cut into one message per partner, period and mode; corrections
and deletions reach each partner as OECD2/OECD3 naming the DocRefId it holds; on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from lxml import etree
from sqlalchemy import Engine, select

from exchange.outbound.cut import cut
from exchange.outbound.models import OutboundMessage
from exchange.records import AccountReport
from exchange.settings import Settings
from exchange.submissions.process import Submissions
from exchange.writers.crs import CRS, STF
from tests.outbound.conftest import Partner
from tests.rules.builders import controlling_person, organisation
from tests.submissions.conftest import bank, holder_in, report, submission

AR = "BE2025-0403019261-AR"


def _specs(document: bytes) -> list[tuple[str, str, str | None]]:
    """(DocTypeIndic, DocRefId, CorrDocRefId) of each AccountReport of a message."""
    root = etree.fromstring(document)
    return [
        (
            str(spec.findtext(f"{{{STF}}}DocTypeIndic")),
            str(spec.findtext(f"{{{STF}}}DocRefId")),
            spec.findtext(f"{{{STF}}}CorrDocRefId"),
        )
        for spec in root.iterfind(f".//{{{CRS}}}AccountReport/{{{CRS}}}DocSpec")
    ]


def _messages(engine: Engine) -> dict[tuple[str, str], bytes]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(OutboundMessage.partner, OutboundMessage.message_type_indic, OutboundMessage.document)
        ).all()
    return {(row.partner, row.message_type_indic): row.document for row in rows}


def _two_residences(doc_ref_id: str) -> AccountReport:
    holder = holder_in("NL")
    return replace(report(doc_ref_id), holder=replace(holder, res_country_codes=("NL", "LU")))


def test_a_submission_of_three_residences_becomes_two_files_and_a_domestic_remainder(
    be_settings: Settings, db_engine: Engine, partners: dict[str, Partner]
) -> None:
    result = Submissions(be_settings, db_engine).process(
        submission(
            report(f"{AR}1", "NL"), report(f"{AR}2", "LU"), report(f"{AR}3", "BE"), _two_residences(f"{AR}4")
        )
    )
    assert result.split is not None
    assert result.split.by_partner == {"NL": 2, "LU": 2} and result.split.domestic == 1
    cut_now = cut(db_engine, be_settings, 2025)
    assert sorted((m.partner, m.message_type_indic, m.records) for m in cut_now) == [
        ("LU", "CRS701", 2),
        ("NL", "CRS701", 2),
    ]
    assert cut(db_engine, be_settings, 2025) == []  # nothing pending: nothing cut twice
    for (partner, _), document in _messages(db_engine).items():
        outcome = partners[partner].receive(document)
        assert outcome.outcome.value == "accepted", outcome.findings
        assert all(doc_ref_id.startswith(f"BE2025{partner}-") for _, doc_ref_id, _ in _specs(document))


def test_the_same_submission_again_is_not_split_twice(be_settings: Settings, db_engine: Engine) -> None:
    document = submission(report(f"{AR}1", "NL"))
    submissions = Submissions(be_settings, db_engine)
    submissions.process(document)
    again = submissions.process(document)
    assert again.split is not None and again.split.already
    assert [m.records for m in cut(db_engine, be_settings, 2025)] == [1]


def test_corrections_and_deletions_reach_each_partner_naming_its_doc_ref_id(
    be_settings: Settings, db_engine: Engine, partners: dict[str, Partner]
) -> None:
    submissions = Submissions(be_settings, db_engine)
    submissions.process(submission(report(f"{AR}1", "NL"), report(f"{AR}2", "LU"), report(f"{AR}3", "NL")))
    cut(db_engine, be_settings, 2025)
    first = _messages(db_engine)
    sent = {partner: _specs(document) for (partner, _), document in first.items()}
    for (partner, _), document in first.items():
        assert partners[partner].receive(document).outcome.value == "accepted"
    nl_ar1, nl_ar3 = (doc_ref_id for _, doc_ref_id, _ in sent["NL"])
    [(_, lu_ar2, _)] = sent["LU"]

    correction = submission(
        report(f"{AR}1b", "NL", indic="OECD2", corr=f"{AR}1"),  # corrected, still about NL
        report(f"{AR}2b", "LU", indic="OECD3", corr=f"{AR}2"),  # deleted
        report(f"{AR}3b", "LU", indic="OECD2", corr=f"{AR}3"),  # moved from NL to LU
        message_ref_id="BE2025BE-0403019261-2",
        indic="CRS702",
        fi=bank(doc_ref_id="BE2025-0403019261-FI2"),
    )
    result = submissions.process(correction)
    assert result.disposition == "accepted", result.outcome
    cut(db_engine, be_settings, 2025)
    later = {
        key: document for key, document in _messages(db_engine).items() if document not in first.values()
    }
    assert sorted(later) == [("LU", "CRS701"), ("LU", "CRS702"), ("NL", "CRS702")]
    nl = _specs(later[("NL", "CRS702")])
    assert [(indic, corr) for indic, _, corr in nl] == [("OECD2", nl_ar1), ("OECD3", nl_ar3)]
    assert [(indic, corr) for indic, _, corr in _specs(later[("LU", "CRS702")])] == [("OECD3", lu_ar2)]
    assert [(indic, corr) for indic, _, corr in _specs(later[("LU", "CRS701")])] == [("OECD1", None)]
    for (partner, _), document in sorted(later.items()):
        outcome = partners[partner].receive(document)
        assert outcome.outcome.value == "accepted", outcome.findings


def test_a_record_in_error_waits_for_its_correction(be_settings: Settings, db_engine: Engine) -> None:
    negative = replace(report(f"{AR}9", "NL"), balance=-report(f"{AR}9").balance)  # 60002
    submissions = Submissions(be_settings, db_engine)
    result = submissions.process(submission(report(f"{AR}1", "LU"), negative))
    assert result.disposition == "accepted_with_errors"
    assert result.split is not None and result.split.by_partner == {"LU": 1} and result.split.held == 1
    corrected = submissions.process(
        submission(
            report(f"{AR}9b", "NL", indic="OECD2", corr=f"{AR}9"),
            message_ref_id="BE2025BE-0403019261-2",
            indic="CRS702",
            fi=bank(doc_ref_id="BE2025-0403019261-FI2"),
        )
    )
    assert corrected.split is not None and corrected.split.by_partner == {"NL": 1}
    by_partner = {(m.partner, m.message_type_indic) for m in cut(db_engine, be_settings, 2025)}
    assert by_partner == {("LU", "CRS701"), ("NL", "CRS701")}  # NL never had it: new data there


def test_each_partner_gets_only_its_residents_among_the_controlling_persons(
    be_settings: Settings, db_engine: Engine, partners: dict[str, Partner]
) -> None:
    company = replace(organisation(), res_country_codes=("BE",))
    persons = tuple(controlling_person(countries=(country,)) for country in ("NL", "LU"))
    account = replace(report(f"{AR}1"), holder=company, controlling_persons=persons)
    result = Submissions(be_settings, db_engine).process(submission(account))
    assert result.split is not None and result.split.by_partner == {"NL": 1, "LU": 1}
    cut(db_engine, be_settings, 2025)
    for (partner, _), document in _messages(db_engine).items():
        root = etree.fromstring(document)
        residences = [
            element.text
            for element in root.iterfind(f".//{{{CRS}}}ControllingPerson//{{{CRS}}}ResCountryCode")
        ]
        assert residences == [partner]
        outcome = partners[partner].receive(document)
        assert outcome.outcome.value == "accepted", outcome.findings
