"""Each flag rule, positive and negative, on a small Benelux world stored and reconciled for real,
on SQLite and PostgreSQL: every account and every taxpayer gets exactly the flags it should."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange.anomalies import FLAG_RULES
from exchange.anomalies.taxpayer_facts import cohorts_of_years
from tests.anomalies.builders import CLAES, DUBOIS, EL_AMRANI, PEETERS, YEAR, taxpayer_id
from tests.anomalies.conftest import World
from tests.anomalies.inspect import codes_by_account, codes_by_taxpayer

ACCOUNTS = {
    "LU-W1-01": set(),  # declared, and its interest declared too
    "LU-W1-02": {"DC01"},
    "LU-W1-03": {"RS01"},  # the registry has her in NL since 2024
    "LU-W1-04": {"ID01"},
    "LU-W1-05": {"ID03"},
    "LU-W1-06": {"ID02"},
    "LU-W1-07": {"NF01"},  # one controlling person declared an LU account, the other did not
    "LU-W1-08": {"DC01", "AC01"},
    "LU-W1-09": {"RS01", "AC03"},
    "NL-W2-01": {"DC01"},
    "NL-W2-02": {"DC01"},
}
TAXPAYERS = {
    CLAES.national_id: {"DC02", "AC02", "SB01"},
    DUBOIS.national_id: {"DC02"},  # the closed account's proceeds, declared as no gains
}

# code: (where it fires, where it does not), as account DocRefIds or national ids
CASES = {
    "ID01": ("LU-W1-04", "LU-W1-01"),
    "ID02": ("LU-W1-06", "LU-W1-01"),
    "ID03": ("LU-W1-05", "LU-W1-02"),
    "DC01": ("LU-W1-02", "LU-W1-01"),
    "DC02": (CLAES.national_id, PEETERS.national_id),
    "RS01": ("LU-W1-03", "LU-W1-01"),
    "AC01": ("LU-W1-08", "LU-W1-01"),
    "AC02": (CLAES.national_id, DUBOIS.national_id),  # three accounts against two
    "AC03": ("LU-W1-09", "LU-W1-01"),
    "NF01": ("LU-W1-07", "LU-W1-02"),
    "SB01": (CLAES.national_id, PEETERS.national_id),
}


def test_every_account_and_taxpayer_gets_exactly_its_flags(world: World) -> None:
    assert codes_by_account(world.engine) == {ref: codes for ref, codes in ACCOUNTS.items() if codes}
    assert codes_by_taxpayer(world.engine) == TAXPAYERS


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_positive_and_negative(world: World, code: str) -> None:
    positive, negative = CASES[code]
    flagged = codes_by_account(world.engine) | codes_by_taxpayer(world.engine)
    assert code in flagged.get(positive, set())
    assert code not in flagged.get(negative, set())


def test_every_rule_is_covered_here_or_by_its_own_test() -> None:
    own_tests = {"DC03", "FI01"}  # they need a cohort or a history of corrections
    own_tests |= {"PF01", "PF02", "PF03", "PF04", "CB01", "CB02", "CB03"}  # DPI and CbC: test_report_flags.py
    assert {rule.code for rule in FLAG_RULES} == set(CASES) | own_tests


def test_identity_conflict_names_the_owner_and_the_likely_person(world: World) -> None:
    [flag] = world.flags("ID03")
    assert flag.taxpayer_id == taxpayer_id(world.engine, PEETERS.national_id)
    assert flag.evidence["best_candidate"] == taxpayer_id(world.engine, CLAES.national_id)
    assert flag.evidence["owner_probability"] < 0.5


def test_not_found_has_no_taxpayer(world: World) -> None:
    [flag] = world.flags("ID01")
    assert flag.taxpayer_id is None and flag.evidence["kind"] == "individual"


def test_passive_nfe_flags_the_controlling_person(world: World) -> None:
    [flag] = world.flags("NF01")
    assert flag.taxpayer_id == taxpayer_id(world.engine, EL_AMRANI.national_id)
    assert flag.amount == Decimal("250000.00") and flag.evidence["country"] == "LU"


def test_income_gap_by_kind(world: World) -> None:
    gaps = {
        (flag.taxpayer_id, flag.evidence["kind"]): (flag.evidence["reported"], flag.evidence["declared"])
        for flag in world.flags("DC02")
    }
    assert gaps == {
        (taxpayer_id(world.engine, CLAES.national_id), "interest"): ("300.00", "0.00"),
        (taxpayer_id(world.engine, DUBOIS.national_id), "gains"): ("60000.00", "0.00"),
    }


def test_taxpayer_flags_span_senders(world: World) -> None:
    [benefit] = world.flags("SB01")
    assert benefit.amount == Decimal("17100.00") and benefit.sender is None  # LU and NL together
    assert benefit.evidence["senders"] == ["LU", "NL"]
    [many] = world.flags("AC02")
    assert many.evidence["by_sender"] == {"LU": 1, "NL": 2}


def test_residence_conflict_evidence(world: World) -> None:
    flags = world.flags("RS01")
    assert {f.evidence["registry_residence"] for f in flags} == {"NL"}
    assert {tuple(f.evidence["reported_residences"]) for f in flags} == {("BE",)}


def test_invalid_tin_says_why_without_the_number(world: World) -> None:
    [flag] = world.flags("ID02")
    assert flag.evidence["issued_by"] == "BE" and "check digit" in flag.evidence["reason"]
    assert "85073003329" not in str(flag.evidence)


def test_cohorts_are_computed_from_the_store(world: World) -> None:
    settings = world.settings.model_copy(update={"flag_income_bands": []})
    with world.engine.connect() as connection:
        cohorts = cohorts_of_years(connection, {YEAR}, settings)
    # Holders with a return and a positive balance: Peeters, Claes, Dubois, El Amrani.
    assert list(cohorts) == [(YEAR, "all")] and cohorts[(YEAR, "all")].size == 4
    assert world.flags("DC03") == []  # four holders are far too few to judge by (default 20)


def test_events_carry_no_personal_data(world: World) -> None:
    text = "".join(event.to_json().decode() for changes in world.changes for event in changes.events)
    for resident in (PEETERS, CLAES, DUBOIS, EL_AMRANI):
        assert resident.national_id not in text and resident.family not in text
    events = [event for changes in world.changes for event in changes.events]
    assert {event.key for event in events if event.taxpayer_id is not None} >= {
        str(taxpayer_id(world.engine, CLAES.national_id))
    }
    assert all(event.event.value == "raised" for event in events)
