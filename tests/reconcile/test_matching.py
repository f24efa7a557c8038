"""The matcher's decisions: exact TIN, conflicts, fuzzy matches, candidates and no match, explained."""

from __future__ import annotations

from datetime import date

from exchange.reconcile.decisions import Decision, DecisionKind, Method
from exchange.reconcile.matcher import Matcher, query_of_party
from exchange.records import Party
from tests.reconcile.builders import company, memory_registry, person


def decide(party: Party) -> Decision:
    return Matcher(memory_registry()).match([query_of_party(0, party, "BE")])[0]


def fields(decision: Decision) -> dict[str, str]:
    return {f["field"]: f["level"] for f in decision.explanation["fields"]}


def test_an_exact_home_tin_with_agreeing_name_and_birth_date_is_a_match() -> None:
    decision = decide(person("Jan", "Peeters", date(1985, 7, 30), "85.07.30-033.28"))
    assert (decision.kind, decision.method, decision.taxpayer_id) == (DecisionKind.MATCH, Method.TIN, 1)
    assert fields(decision)["family_name"] == "exact"
    assert decision.probability is not None and decision.probability > 0.99


def test_small_typos_do_not_break_a_tin_match() -> None:
    decision = decide(person("Jna", "Peters", date(1985, 7, 3), "85073003328"))
    assert (decision.kind, decision.taxpayer_id) == (DecisionKind.MATCH, 1)


def test_a_tin_of_someone_else_is_a_conflict_that_names_who_the_party_is() -> None:
    # Lien Claes reported with Jan Peeters's national number.
    decision = decide(
        person("Lien", "Claes", date(2001, 9, 7), "85073003328", "Kerkstraat", "3", "2000", "Antwerpen")
    )
    assert (decision.kind, decision.method, decision.taxpayer_id) == (DecisionKind.CONFLICT, Method.TIN, 1)
    assert decision.probability is not None and decision.probability < 0.05
    assert fields(decision)["given_name"] == "different"
    assert decision.candidates[0].taxpayer_id == 2
    assert decision.candidates[0].probability > 0.9


def test_a_different_birth_date_under_the_tin_is_a_conflict() -> None:
    decision = decide(person("Jan", "Peeters", date(1958, 3, 1), "85073003328"))
    assert (decision.kind, decision.taxpayer_id) == (DecisionKind.CONFLICT, 1)
    assert fields(decision)["birth_date"] == "different"


def test_without_tin_linkage_matches_through_typos_transliteration_and_swaps() -> None:
    for party, expected in [
        (person("Jan", "Peteers", date(1985, 7, 30)), 1),
        (
            person(
                "Mohammed",
                "Elamrani",
                date(1964, 2, 15),
                None,
                "Gentsesteenweg",
                "120",
                "1080",
                "Sint-Jans-Molenbeek",
            ),
            4,
        ),
        (person("Dubois", "Anna", date(1998, 7, 28), None, "Rue Haute", "8", "4000", "Liege"), 3),
    ]:
        decision = decide(party)
        assert (decision.kind, decision.method, decision.taxpayer_id) == (
            DecisionKind.MATCH,
            Method.LINKAGE,
            expected,
        )
    swapped = decide(person("Dubois", "Anna", date(1998, 7, 28), None, "Rue Haute", "8", "4000", "Liege"))
    assert swapped.explanation["names_swapped"] is True


def test_an_invalid_tin_falls_back_to_linkage_and_says_so() -> None:
    decision = decide(person("Jan", "Peeters", date(1985, 7, 30), "85073003329"))
    assert (decision.kind, decision.method, decision.taxpayer_id) == (DecisionKind.MATCH, Method.LINKAGE, 1)
    assert "check digits" in decision.explanation["tin"]
    assert fields(decision)["tin"] == "one typo"


def test_namesakes_without_distinguishing_data_become_candidates() -> None:
    decision = decide(person("Luc", "Janssens", date(1970, 1, 1), None, "", "", "9000", "Gent"))
    assert decision.kind is DecisionKind.CANDIDATES
    assert sorted(c.taxpayer_id for c in decision.candidates) == [5, 6]
    assert all(0.3 < c.probability < 0.7 for c in decision.candidates)
    by_address = decide(person("Luc", "Janssens", date(1970, 1, 1), None, "Veldstraat", "90", "9000", "Gent"))
    assert (by_address.kind, by_address.taxpayer_id) == (DecisionKind.MATCH, 6)


def test_someone_not_in_the_registry_is_no_match() -> None:
    decision = decide(
        person("Femke", "de Vries", date(1990, 4, 4), None, "Damrak", "1", "1012AB", "Amsterdam")
    )
    assert decision.kind is DecisionKind.NO_MATCH
    assert decision.taxpayer_id is None and decision.candidates == ()
    valid_unknown = decide(person("Femke", "de Vries", date(1990, 4, 4), "90040400123"))
    assert valid_unknown.kind is DecisionKind.NO_MATCH


def test_entities_match_on_enterprise_number_and_on_name() -> None:
    by_number = decide(company("Voorbeeld Holding N.V.", "BE 0403.019.261"))
    assert (by_number.kind, by_number.method, by_number.taxpayer_id) == (DecisionKind.MATCH, Method.TIN, 7)
    by_name = decide(company("Voorbeeld Holding", None))
    assert (by_name.kind, by_name.taxpayer_id) == (DecisionKind.MATCH, 7)
    other = decide(company("Totaal Andere Firma BV", "0403019261"))
    assert (other.kind, other.taxpayer_id) == (DecisionKind.CONFLICT, 7)


def test_every_decision_explains_its_fields_with_weights() -> None:
    decision = decide(person("Jan", "Peeters", date(1985, 7, 30)))
    names = [f["field"] for f in decision.explanation["fields"]]
    assert names == ["given_name", "family_name", "birth_date", "address", "tin"]
    assert all(isinstance(f["weight"], float) for f in decision.explanation["fields"])
    assert decision.explanation["match_weight"] == round(decision.match_weight or 0, 2)
    assert decision.explanation["fields"][3]["registry_address"] == "current"


def test_a_batch_keeps_the_order_of_its_queries() -> None:
    parties = [
        person("Femke", "de Vries", date(1990, 4, 4), None, "Damrak", "1", "1012AB", "Amsterdam"),
        person("Jan", "Peeters", date(1985, 7, 30), "85073003328"),
        person("Lien", "Claes", date(2001, 9, 7), None, "Kerkstraat", "3", "2000", "Antwerpen"),
    ]
    decisions = Matcher(memory_registry()).match([query_of_party(i, p, "BE") for i, p in enumerate(parties)])
    assert [(d.ref, d.taxpayer_id) for d in decisions] == [(0, None), (1, 1), (2, 2)]
