"""The pages show what the CLI's functions return: the operators' files and codes without personal data,
the analysts' flags with facets that follow the filters and exports equal to the query, every analyst
view in the audit trail."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pyarrow.parquet as pq
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from consumers.embedded_broker import free_port
from exchange.anomalies.queries import FlagQuery, iter_flags
from exchange.audit import AuditFilter, read_trail
from exchange.console import create_app
from exchange.store.queries import FileFilter, files
from exchange.users import Role
from tests.anomalies.builders import PEETERS, taxpayer_id
from tests.console.conftest import USERS, Store, log_in


def _facet_count(html: str, facet: str, value: str) -> int | None:
    section = html.split(f'data-facet="{facet}"', 1)[1].split("</section>", 1)[0]
    marker = f'data-value="{value}">'
    if marker not in section:
        return None
    after = section.split(marker, 1)[1]
    return int(after.split('<span class="count">', 1)[1].split("<", 1)[0].replace(",", ""))


def _flags(store: Store, query: FlagQuery) -> list[dict[str, object]]:
    with store.engine.connect() as connection:
        return list(iter_flags(connection, query))


def test_the_overview_and_files_show_no_personal_data(client: TestClient, store: Store) -> None:
    log_in(client, Role.OPERATOR)
    with Session(store.engine) as session:
        stored = files(session, where=FileFilter(), limit=10)
    pages = [client.get("/"), client.get("/files"), *(client.get(f"/files/{f.id}") for f in stored)]
    for response in pages:
        assert response.status_code == 200
        for personal in (PEETERS.national_id, PEETERS.family, PEETERS.given):
            assert personal not in response.text
    listing = client.get("/files?sender=nl").text
    assert "NL" in listing and ">LU<" not in listing


def test_the_flags_facets_follow_the_filter(client: TestClient, store: Store) -> None:
    log_in(client, Role.ANALYST)
    everything = client.get("/flags").text
    every_flag = _flags(store, FlagQuery())
    codes = sorted({str(flag["code"]) for flag in every_flag})
    assert len(codes) > 1
    chosen = codes[0]
    expected = sum(1 for flag in every_flag if flag["code"] == chosen)
    assert _facet_count(everything, "code", chosen) == expected
    assert _facet_count(everything, "code", codes[1]) is not None
    filtered = client.get(f"/flags?code={chosen}").text
    assert _facet_count(filtered, "code", chosen) == expected
    assert _facet_count(filtered, "code", codes[1]) is None, "the other codes are filtered out"
    senders = {str(flag["sender"]) for flag in every_flag if flag["code"] == chosen and flag["sender"]}
    for sender in senders:
        count = sum(1 for flag in every_flag if flag["code"] == chosen and flag["sender"] == sender)
        assert _facet_count(filtered, "sender", sender) == count
    assert f"{expected} flag(s) match" in filtered


def test_every_filter_is_in_the_url(client: TestClient) -> None:
    log_in(client, Role.ANALYST)
    page = client.get("/flags?code=DC01&sender=LU&min_amount=100&sort=amount").text
    export = page.split('id="export-csv"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    params = dict(parse_qsl(urlsplit(export.replace("&amp;", "&")).query))
    assert params == {"code": "DC01", "sender": "LU", "min_amount": "100", "sort": "amount"}


def test_a_bad_filter_is_a_clear_400(client: TestClient) -> None:
    log_in(client, Role.ANALYST)
    for query, said in [("min_score=lots", "min_score"), ("year=twenty", "year"), ("sort=nope", "sort")]:
        response = client.get(f"/flags?{query}")
        assert response.status_code == 400
        assert said in response.text and "Traceback" not in response.text


def test_the_csv_export_equals_the_filtered_query(client: TestClient, store: Store) -> None:
    log_in(client, Role.ANALYST)
    response = client.get("/flags.csv?sender=LU&min_amount=1000&sort=amount&asc=1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = _flags(
        store, FlagQuery(senders=("LU",), min_amount=Decimal(1000), sort="amount", descending=False)
    )
    assert expected, "the world has LU flags of 1000 or more"
    assert [int(row["id"]) for row in rows] == [flag["id"] for flag in expected]


def test_the_parquet_export_has_every_row(client: TestClient, store: Store) -> None:
    log_in(client, Role.ANALYST)
    response = client.get("/flags.parquet?state=all")
    table = pq.read_table(io.BytesIO(response.content))
    every = _flags(store, FlagQuery(state="all"))
    assert sorted(table.column("id").to_pylist()) == sorted(int(str(flag["id"])) for flag in every)


def test_a_flag_page_draws_the_match_weights(client: TestClient, store: Store) -> None:
    log_in(client, Role.ANALYST)
    matched = next(flag for flag in _flags(store, FlagQuery()) if flag["party_id"] and flag["taxpayer_id"])
    page = client.get(f"/flags/{matched['id']}").text
    chart = page.split('id="match-weights"', 1)[1].split("</figure>", 1)[0]
    assert "<svg" in chart and "prior" in chart and "total" in chart and "match threshold" in chart
    taxpayer = client.get(f"/taxpayers/{matched['taxpayer_id']}")
    assert taxpayer.status_code == 200 and f"/flags/{matched['id']}" in taxpayer.text


def test_analyst_views_are_audited_and_the_auditor_sees_them(client: TestClient, store: Store) -> None:
    log_in(client, Role.ANALYST)
    matched = next(flag for flag in _flags(store, FlagQuery()) if flag["taxpayer_id"])
    client.get("/flags?code=DC01&sender=LU")
    client.get(f"/flags/{matched['id']}")
    client.get(f"/taxpayers/{matched['taxpayer_id']}")
    client.get("/flags.csv?code=DC01")
    trail = list(read_trail(store.engine, AuditFilter(actor=USERS[Role.ANALYST], action_prefix="console.")))
    newest = {entry["action"]: entry for entry in reversed(trail)}
    assert newest["console.flags"]["details"]["codes"] == ["DC01"]
    assert newest["console.flags"]["details"]["senders"] == ["LU"]
    assert newest["console.flag"]["subject"] == f"taxpayer {matched['taxpayer_id']}"
    assert newest["console.taxpayer"]["subject"] == f"taxpayer {matched['taxpayer_id']}"
    exported = newest["console.export"]
    assert exported["output_format"] == "csv"
    assert exported["row_count"] == len(_flags(store, FlagQuery(codes=("DC01",))))
    client.cookies.clear()
    log_in(client, Role.AUDITOR)
    page = client.get(f"/audit?actor={USERS[Role.ANALYST]}&action=console.").text
    assert "console.flags" in page and "console.export" in page
    assert f"taxpayer {matched['taxpayer_id']}" in page


def test_the_operator_sees_codes_with_their_meaning(client: TestClient) -> None:
    log_in(client, Role.OPERATOR)
    assert client.get("/codes").status_code == 200
    page = client.get("/codes/50007").text
    assert "schema" in page.lower()


def test_the_dead_letters_page_says_when_the_broker_is_down(store: Store) -> None:
    nowhere = store.settings.model_copy(update={"kafka_bootstrap_servers": f"127.0.0.1:{free_port()}"})
    with TestClient(create_app(nowhere, store.engine), base_url="http://console.test") as client:
        log_in(client, Role.OPERATOR)
        response = client.get("/dead-letters")
    assert response.status_code == 503
    assert "broker" in response.text and "Traceback" not in response.text


def test_the_study_tables_draw_their_charts_and_export(store: Store) -> None:
    everyone = store.settings.model_copy(update={"flag_study_min_taxpayers": 1})
    with TestClient(create_app(everyone, store.engine), base_url="http://console.test") as client:
        log_in(client, Role.ANALYST)
        page = client.get("/study").text
        assert page.count("<svg") == 2 and "0 cell(s) about fewer than 1 subjects" in page
        exported = list(csv.DictReader(io.StringIO(client.get("/study.csv").text)))
        assert exported and all(row["suppressed"] == "False" for row in exported)
        table = pq.read_table(io.BytesIO(client.get("/study.parquet").content))
        assert table.num_rows == len(exported)


def test_a_taxpayers_page_sets_reported_accounts_beside_the_return(client: TestClient, store: Store) -> None:
    log_in(client, Role.ANALYST)
    peeters = taxpayer_id(store.engine, PEETERS.national_id)
    page = client.get(f"/taxpayers/{peeters}")
    assert page.status_code == 200
    year = page.text.split('data-year="', 1)[1]
    assert "LU-W1-01" in year and "20,000.00 EUR" in year, "the account LU reported, with its balance"
    assert "CRS502 5,000.00" in year, "its interest payment"
    assert "foreign interest" in year and "declared" in year
    assert "NL-W2" not in page.text, "NL's accounts are about someone else"
    assert client.get("/taxpayers/999999").status_code == 404
