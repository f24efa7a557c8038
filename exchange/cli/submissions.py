"""`exchange submit FILE` and `exchange submissions`: domestic institutions' files in (issue 17, part 1).

`submit` puts a file on the submissions topic as an institution's gateway would; `submissions` consumes
that topic with `exchange run`'s runner (the same delivery guarantees) and answers each institution on
the answers topic, keyed by it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from lxml import etree
from sqlalchemy import Engine

from exchange import db
from exchange.cli.context import CliContext, emit, json_option, pass_context
from exchange.errors import ConfigError, ExchangeError, ServiceUnavailableError
from exchange.logs import get_logger
from exchange.settings import Settings

if TYPE_CHECKING:
    from consumers.messages import PacketHandler

log = get_logger(__name__)
_HEADER_ELEMENTS = 64  # SendingCompanyIN is in the MessageSpec, among the file's first elements


class SubmissionFileError(ExchangeError):
    """The file to submit cannot be read, or does not say which institution sends it."""


def stated_institution(path: Path) -> str | None:
    """The SendingCompanyIN of the file's MessageSpec, read from its first elements only; None when the
    file states none or is no readable XML (the consumer answers the institution with the reason)."""
    try:
        for count, (_, element) in enumerate(
            etree.iterparse(str(path), events=("end",), resolve_entities=False, no_network=True)
        ):
            name = etree.QName(element).localname
            if name == "SendingCompanyIN":
                return (element.text or "").strip() or None
            if name == "MessageSpec" or count > _HEADER_ELEMENTS:
                return None
    except etree.XMLSyntaxError:
        return None
    return None


@click.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--institution",
    help="The submitting institution's identifier (the record's key); default: the file's SendingCompanyIN.",
)
@json_option
@pass_context
def submit_command(context: CliContext, file: Path, institution: str | None, as_json: bool) -> None:
    """Put an institution's report FILE on the submissions topic, keyed by the institution."""
    from consumers.outbound import PublishError
    from consumers.submit import publish_submission

    settings = context.settings
    key = institution or stated_institution(file)
    if not key:
        raise SubmissionFileError(
            f"{file} states no SendingCompanyIN: name the institution with --institution"
        )
    try:
        document = file.read_bytes()
    except OSError as exc:
        raise SubmissionFileError(f"cannot read {file}: {exc.strerror}") from None
    try:
        claimed = asyncio.run(publish_submission(settings, document, key, file.name))
    except PublishError as exc:
        raise ServiceUnavailableError(
            f"the broker at {settings.kafka_bootstrap_servers} did not take the submission "
            f"({type(exc).__name__}): check EXCHANGE_KAFKA_BOOTSTRAP_SERVERS"
        ) from None
    data = {
        "file": str(file),
        "institution": key,
        "topic": settings.topic_submissions,
        "bytes": len(document),
        "claim_check": claimed,
    }
    emit(data, as_json, _submitted)


def _submitted(data: dict[str, Any]) -> str:
    how = " as a claim check" if data["claim_check"] else ""
    return f"submitted {data['file']} for {data['institution']} on {data['topic']}{how}"


@click.command("submissions")
@click.option(
    "--no-migrate", is_flag=True, help="Refuse to start on an outdated schema instead of migrating."
)
@pass_context
def submissions_command(context: CliContext, no_migrate: bool) -> None:
    """Consume the submissions topic, validate and store each institution's file, answer it on the
    answers topic; stop cleanly on SIGTERM.

    The same runner as `exchange run` (its own consumer group, EXCHANGE_SUBMISSIONS_CONSUMER_GROUP): a
    database or broker that is down is waited for, an answer is confirmed on its topic before the offset
    is committed, a redelivered file is answered with the same bytes.
    """
    from consumers.admin import submission_topics
    from consumers.faults import FaultInjector
    from consumers.service import serve
    from exchange.cli.run import serve_until_stopped

    settings = context.settings
    _require_signing_key(settings)
    faults = FaultInjector.from_environment()
    engine = db.create_db_engine(settings.effective_database_url)
    serve_until_stopped(
        engine,
        serve(
            settings,
            lambda: _prepare(settings, engine, no_migrate),
            faults=faults,
            topic=settings.topic_submissions,
            group_id=settings.submissions_consumer_group,
            topics=submission_topics(settings),
        ),
        "exchange submissions",
    )


def _require_signing_key(settings: Settings) -> None:
    """Answers are signed with our key: without one valid now, nothing could be answered."""
    from crypto.errors import KeyStoreError
    from crypto.keyring import Keyring

    try:
        Keyring.from_settings(settings).signing_pair(settings.home_jurisdiction)
    except KeyStoreError as exc:
        raise ConfigError(
            f"{exc}: institutions' answers are signed with it (keys in {settings.effective_keys_dir})"
        ) from None


def _prepare(settings: Settings, engine: Engine, no_migrate: bool) -> PacketHandler:
    """The store ready as for `exchange run`, then the submissions' handler."""
    from consumers.submission_handler import submission_handler
    from exchange.cli.run import prepare_store
    from exchange.submissions.process import Submissions

    prepare_store(settings, engine, no_migrate)
    return submission_handler(settings, Submissions(settings, engine))
