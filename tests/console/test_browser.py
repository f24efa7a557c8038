"""The console in a real browser: Playwright driving Debian's Chromium against `exchange serve` (a real
process) on a store filled by the real pipeline (`exchange run` through the real broker) and by the
flag tests' world. Each role logs in; the operator reads a rejected file's findings and re-drives a
dead letter that the runner then processes; the analyst filters flags by code and sees the facet
counts change, opens a flag's match-weight chart and exports CSV equal to the query; the auditor sees
the analyst's queries; pages of other roles refuse; the open overview counts a file that arrives
without being reloaded. Screenshots of each page go to
tests/console/screenshots/ (git-ignored)."""

from __future__ import annotations

import asyncio
import csv
import shutil
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from consumers.embedded_broker import die_with_parent, free_port
from crypto.provision import AuthorityFolders, provision_authorities
from exchange import db
from exchange.anomalies.queries import FlagQuery, iter_flags
from exchange.audit import AuditFilter, read_trail
from exchange.settings import Settings
from exchange.states import FileState
from exchange.store.models import ReceivedFile
from exchange.users import Role, add_user
from tests.anomalies.conftest import _build
from tests.conftest import REPO_ROOT
from tests.console.conftest import PASSWORD, USERS
from tests.kafka_helpers import produce
from tests.pipeline.conftest import builders, crs_file, seal
from tests.pipeline.consumer_process import EXCHANGE, ConsumerProcess, consumer_env, wait_until
from tests.pipeline.effects import publish, wait_for_lag

playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = pytest.mark.slow  # real `exchange run` and `exchange serve` processes and a browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = REPO_ROOT / "tests" / "console" / "screenshots"


@dataclass
class Site:
    url: str
    settings: Settings
    engine: Engine
    partners: Path
    france: AuthorityFolders
    authorities: dict[str, AuthorityFolders]
    tmp: Path


def _wait_served(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(
                f"exchange serve exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url + "login", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"exchange serve did not answer at {url}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str) -> Iterator[Site]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (.ci/run does)")
    tmp = tmp_path_factory.mktemp("browser")
    authorities = provision_authorities(tmp / "authorities", ["BE", "NL", "LU"])
    # BE's partner certificates in a folder of this test's own: FR is registered only later.
    partners = tmp / "be-partners"
    shutil.copytree(authorities["BE"].partners_dir, partners)
    france = provision_authorities(tmp / "fr", ["FR"])["FR"]
    (france.partners_dir / "BE").mkdir(parents=True)
    shutil.copy(
        authorities["NL"].partners_dir / "BE" / "current.pem", france.partners_dir / "BE" / "current.pem"
    )
    run = uuid.uuid4().hex[:8]
    settings = Settings(
        data_dir=tmp / "be",
        database_url=f"sqlite:///{tmp / 'exchange.db'}",
        keys_dir=authorities["BE"].keys_dir,
        partners_dir=partners,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_consumer_group=f"be-{run}",
        topic_inbound=f"in-{run}",
        topic_status=f"status-{run}",
        topic_dlq=f"dlq-{run}",
        topic_flags=f"flags-{run}",
        topic_partitions=1,
        flag_many_accounts_min=3,
    )
    engine = db.create_db_engine(str(settings.database_url))
    db.upgrade(engine)
    _build(engine, settings)
    for role, name in USERS.items():
        add_user(engine, name, role, PASSWORD)
    publish(settings, [])
    runner = ConsumerProcess(settings, tmp / "runner.log")
    port = free_port()
    serve_log = tmp / "serve.log"
    with serve_log.open("ab") as log:
        server = subprocess.Popen(
            [EXCHANGE, "serve", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            env=consumer_env(settings) | {"EXCHANGE_CONSOLE_REFRESH_SECONDS": "2"},
            preexec_fn=die_with_parent,
        )
    try:
        french = crs_file("FR", header=builders.header(transmitting="FR", message_ref_id="FR2025BE0001"))
        _produce(settings, seal(french, france, authorities["BE"], tmp), b"FR")  # no FR certificate yet
        _produce(settings, seal(b"<not-a-crs-file/>", authorities["LU"], authorities["BE"], tmp), b"LU")
        _produce(settings, b"not a packet at all", b"NL")
        wait_for_lag(settings, 0)
        url = f"http://127.0.0.1:{port}/"
        _wait_served(url, server, serve_log)
        yield Site(url, settings, engine, partners, france, authorities, tmp)
    finally:
        server.terminate()
        stopped = server.wait(30)
        runner.close()
        engine.dispose()
    assert stopped == 0, f"exchange serve did not stop cleanly on SIGTERM:\n{serve_log.read_text()[-2000:]}"


def _produce(settings: Settings, value: bytes, key: bytes) -> None:
    asyncio.run(produce(settings.kafka_bootstrap_servers, settings.topic_inbound, value, key))


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(
        base_url=site.url, viewport={"width": 1360, "height": 900}, accept_downloads=True
    )
    opened = context.new_page()
    outside: list[str] = []
    opened.on(
        "request",
        lambda request: outside.append(request.url) if not request.url.startswith(site.url) else None,
    )
    try:
        yield opened
    finally:
        context.close()
    assert outside == [], f"the console asked for something outside itself: {outside}"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _follow(page: Any, act: Any) -> None:
    """Do what navigates (a click on a link or a submit) and wait for the page it leads to."""
    with page.expect_navigation():
        act()


def _log_in(page: Any, role: Role) -> None:
    page.goto("/login")
    page.fill("input[name=name]", USERS[role])
    page.fill("input[name=password]", PASSWORD)
    _follow(page, lambda: page.click("button[type=submit]"))


@pytest.mark.parametrize("role", list(Role))
def test_each_role_logs_in_to_its_pages(page: Any, role: Role) -> None:
    page.goto("/login")
    _shot(page, "login")
    _log_in(page, role)
    assert f"{USERS[role]} ({role.value})" in page.inner_text("header")
    links = page.locator("header nav a").all_inner_texts()
    expected = {
        Role.OPERATOR: ["Overview", "Files", "Errors by code", "Dead letters", "Partners and keys"],
        Role.ANALYST: ["Flags", "Study tables"],
        Role.AUDITOR: ["Audit trail"],
        Role.ADMIN: ["Overview", "Files", "Errors by code", "Dead letters", "Partners and keys", "Users"],
    }[role]
    assert links == expected
    _shot(page, f"home-{role.value}")


def test_the_operator_reads_a_rejected_files_findings(page: Any) -> None:
    _log_in(page, Role.OPERATOR)
    assert page.locator(".card.outcome-rejected .figure").inner_text() != "0"
    _shot(page, "overview")
    page.goto("/files?outcome=rejected")
    _shot(page, "files-rejected")
    _follow(page, lambda: page.locator("table.list tbody tr a").first.click())
    findings = page.locator("#findings tbody tr")
    assert findings.count() >= 1
    assert "50007" in findings.first.inner_text()
    _shot(page, "file-rejected")
    _follow(page, lambda: page.locator("#findings a", has_text="50007").first.click())
    assert "Code 50007" in page.inner_text("h1")
    _shot(page, "code-50007")
    page.goto("/partners")
    _shot(page, "partners")


def _answered(engine: Engine, sender: str) -> bool:
    with Session(engine) as session:
        states = session.scalars(select(ReceivedFile.state).where(ReceivedFile.sender == sender)).all()
    return list(states) == [FileState.ANSWERED]


def test_the_operator_redrives_a_dead_letter_which_is_then_processed(page: Any, site: Site) -> None:
    _log_in(page, Role.OPERATOR)
    page.goto("/dead-letters")
    row = page.locator("#dead-letters tbody tr", has_text="FR")
    assert "pending" in row.inner_text()
    _shot(page, "dead-letters")
    # The cause goes: FR's certificate is registered.
    (site.partners / "FR").mkdir()
    shutil.copy(site.france.keys_dir / "FR" / "current.cert.pem", site.partners / "FR" / "current.pem")
    _follow(page, lambda: row.get_by_role("link", name="Re-drive…").click())
    assert "Re-drive dead letter" in page.inner_text("h1")
    _shot(page, "dead-letter-confirm")
    _follow(page, lambda: page.get_by_role("button", name="Re-drive it").click())
    assert "redriven" in page.locator(".notice").inner_text()
    assert "redriven" in page.locator("#dead-letters tbody tr", has_text="FR").inner_text()
    _shot(page, "dead-letters-redriven")
    wait_until(lambda: _answered(site.engine, "FR"), 60, "FR's redriven file answered")
    page.goto("/files?sender=FR")
    assert page.locator("table.list tbody tr").count() == 1
    _follow(page, lambda: page.locator("table.list tbody tr a").first.click())
    assert "yes, sent" in page.locator("#acknowledged").inner_text()
    _shot(page, "file-redriven")


def test_the_operator_discards_a_dead_letter_with_a_reason(page: Any, site: Site) -> None:
    _log_in(page, Role.OPERATOR)
    page.goto("/dead-letters")
    row = page.locator("#dead-letters tbody tr", has_text="NL")
    _follow(page, lambda: row.get_by_role("link", name="Discard…").click())
    assert "Discard dead letter" in page.inner_text("h1")
    page.fill("input[name=reason]", "NL confirmed: a test message")
    _follow(page, lambda: page.get_by_role("button", name="Discard it").click())
    assert "discarded" in page.locator(".notice").inner_text()
    assert page.locator("#dead-letters tbody tr", has_text="NL").count() == 0, "hidden once discarded"
    page.goto("/dead-letters?all=1")
    assert "discarded" in page.locator("#dead-letters tbody tr", has_text="NL").inner_text()
    trail = list(
        read_trail(site.engine, AuditFilter(actor=USERS[Role.OPERATOR], action_prefix="dlq.discard"))
    )
    assert [entry["details"]["reason"] for entry in trail] == ["NL confirmed: a test message"]


def _facet(page: Any, facet: str, value: str) -> int | None:
    item = page.locator(f'[data-facet="{facet}"] li', has=page.locator(f'a[data-value="{value}"]'))
    if item.count() == 0:
        return None
    return int(item.locator(".count").inner_text().replace(",", ""))


def test_the_analyst_filters_opens_a_flag_and_exports(page: Any, site: Site, tmp_path: Path) -> None:
    _log_in(page, Role.ANALYST)
    _shot(page, "flags")
    with site.engine.connect() as connection:
        every = list(iter_flags(connection, FlagQuery()))
    codes = sorted({str(flag["code"]) for flag in every})
    chosen, other = codes[0], codes[1]
    assert _facet(page, "code", chosen) == sum(1 for f in every if f["code"] == chosen)
    before = {sender: _facet(page, "sender", sender) for sender in ("LU", "NL")}
    _follow(page, lambda: page.locator(f'[data-facet="code"] a[data-value="{chosen}"]').click())
    assert f"code={chosen}" in page.url
    assert _facet(page, "code", other) is None
    after = {sender: _facet(page, "sender", sender) for sender in ("LU", "NL")}
    assert after != before
    for sender, count in after.items():
        expected = sum(1 for f in every if f["code"] == chosen and f["sender"] == sender)
        assert count == (expected or None)
    _shot(page, f"flags-{chosen}")

    with page.expect_download() as download:
        page.click("#export-csv")
    saved = tmp_path / "flags.csv"
    download.value.save_as(saved)
    with saved.open(newline="") as stream:
        exported = [int(row["id"]) for row in csv.DictReader(stream)]
    assert exported == [f["id"] for f in every if f["code"] == chosen]

    matched = next(f for f in every if f["party_id"] and f["taxpayer_id"])
    page.goto(f"/flags/{matched['id']}")
    chart = page.locator("#match-weights svg")
    assert chart.count() == 1
    assert chart.bounding_box()["height"] > 100
    labels = chart.text_content()
    assert "prior" in labels and "total" in labels and "match threshold" in labels
    _shot(page, "flag")
    _follow(page, lambda: page.click(f'a[href="/taxpayers/{matched["taxpayer_id"]}"]'))
    assert page.locator(f'a[href="/flags/{matched["id"]}"]').count() >= 1
    _shot(page, "taxpayer")
    page.goto("/study")
    _shot(page, "study")


def test_the_auditor_sees_the_analysts_queries(page: Any) -> None:
    _log_in(page, Role.ANALYST)
    page.goto("/flags?sender=NL&min_amount=50")
    _follow(page, lambda: page.click("button[type=submit].link"))  # log out
    _log_in(page, Role.AUDITOR)
    page.fill("input[name=actor]", USERS[Role.ANALYST])
    page.fill("input[name=action]", "console.")
    _follow(page, lambda: page.click("form.filters button[type=submit]"))
    newest = page.locator("#trail tbody tr").first.inner_text()
    assert "console.flags" in newest and "NL" in newest and "50" in newest
    _shot(page, "audit")


def test_pages_of_other_roles_refuse(page: Any) -> None:
    _log_in(page, Role.ANALYST)
    for path in ["/dead-letters", "/files", "/audit"]:
        response = page.goto(path)
        assert response.status == 403 and "Not for your role" in page.inner_text("main")
    _shot(page, "forbidden-analyst")
    _follow(page, lambda: page.click("button[type=submit].link"))
    _log_in(page, Role.OPERATOR)
    for path in ["/taxpayers/1", "/flags", "/flags/1"]:
        response = page.goto(path)
        assert response.status == 403 and "Not for your role" in page.inner_text("main")
    _shot(page, "forbidden-operator")


def test_the_open_overview_counts_a_file_that_arrives_without_a_reload(page: Any, site: Site) -> None:
    _log_in(page, Role.OPERATOR)
    rejected = page.locator(".card.outcome-rejected .figure")
    before = int(rejected.inner_text().replace(",", ""))
    page.evaluate("window.stillTheSamePage = true")  # a reload or a navigation would lose it
    luxembourg, belgium = site.authorities["LU"], site.authorities["BE"]
    bad = seal(b"<arrives-while-the-overview-is-open/>", luxembourg, belgium, site.tmp)
    with ThreadPoolExecutor(max_workers=1) as worker:  # off Playwright's event loop
        worker.submit(_produce, site.settings, bad, b"LU").result()
    page.wait_for_function(
        "n => Number(document.querySelector('.card.outcome-rejected .figure').textContent"
        ".replace(/,/g, '')) > n",
        arg=before,
        timeout=30_000,
    )
    assert int(rejected.inner_text().replace(",", "")) == before + 1
    assert page.evaluate("window.stillTheSamePage") is True
    _shot(page, "overview-refreshed")
