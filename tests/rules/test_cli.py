"""`exchange rules [--json]`: the declarations as operators and scripts read them."""

from __future__ import annotations

import json

import pytest

from exchange.cli.main import main
from exchange.validation.rules import RULES


def test_rules_json_lists_every_declaration(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["home_jurisdiction"] == "BE" and listed["environment"] == "production"
    rules = listed["rules"]
    assert [rule["code"] for rule in rules] == [rule.code for rule in RULES]
    for rule in rules:
        # A domestic submission that does not say which institution sends it is refused (98301, 98302).
        assert rule["level"] == (
            "file" if rule["code"] < 60000 or rule["code"] in (98301, 98302) else "record"
        )
        assert rule["rule"].endswith(".") and rule["reference"] and rule["formats"]
    by_code = {rule["code"]: rule for rule in rules}
    assert by_code[60017]["formats"] == ["crs 3.0"]
    assert by_code[80002]["needs_history"] and not by_code[80011]["needs_history"]


def test_rules_for_one_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--json", "--format", "fatca"]) == 0
    codes = {rule["code"] for rule in json.loads(capsys.readouterr().out)["rules"]}
    assert 50012 in codes and 80010 in codes
    assert not any(60000 <= code < 70000 for code in codes) and 50008 not in codes


def test_rules_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(RULES)} rules; receiving side: home BE, production environment")
    assert "60000  record  account-number-iban  (crs 2.0, crs 3.0)" in out
    formats = "(cbc 2.0, crs 2.0, crs 3.0, dpi 1.0, fatca 2.0)"
    assert f"50009  file    message-ref-id-reused  {formats}  [needs the store]" in out
    assert "note: " in out
    for rule in RULES:  # the reference the command says it shows, under every rule
        assert f"reference: {rule.reference}" in out
