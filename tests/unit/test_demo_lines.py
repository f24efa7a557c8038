"""The demo's summary lines say what an example flag is drawn from, also when no single sender is."""

from __future__ import annotations

from exchange.cli.demo import _flag_lines


def _flags(sender: str | None) -> dict[str, object]:
    example = {"flag_id": 7, "code": "PF02", "name": "platform-income-on-benefit", "sender": sender}
    example |= {"taxpayer_id": 32, "amount": "12564.00 EUR"}
    return {"by_code": {"PF02": {"raised": 1}}, "taxpayers_flagged": 1, "examples": [example]}


def test_an_example_flag_names_its_sender() -> None:
    assert "from NL," in _flag_lines(_flags("NL"))[1]


def test_a_flag_drawn_from_several_senders_never_reads_from_none() -> None:
    line = _flag_lines(_flags(None))[1]
    assert "None" not in line and "from several senders," in line
