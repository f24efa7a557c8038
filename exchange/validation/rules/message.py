"""Message rules (50004, 50008-50012): file errors about the message as a whole; any one rejects the file.

50004 here is the document's side of the signature check: the packet's signer, authenticated by crypto,
must be the sender the document names. Left out, because they are not business rules: 50001-50007 and
50013 as found while the packet is downloaded, opened, decrypted, inflated, verified, scanned and
schema-validated (exchange.validation, crypto), before any record exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from exchange.records import MessageHeader, Record
from exchange.settings import Environment
from exchange.validation.rules.context import RuleContext, field_path, is_country
from exchange.validation.rules.declarations import (
    ALL_FORMATS,
    CRS,
    DPI,
    About,
    Problem,
    Tracker,
    file_rule,
    message_rule,
    problem,
)


@message_rule(
    About(
        50004,
        "sender-signed",
        "The document must come from the sender whose registered certificate signed the packet: its "
        "TransmittingCountry (and, for an IDES sender, known by its GIIN, its SendingCompanyIN) must be "
        "that sender.",
        ALL_FORMATS,
        level="file",
        note="Applies to packets only: a file given alone (exchange validate) has no authenticated sender. "
        "50004 because a document that names another sender than its signer is not signed by the "
        "certificate registered for the sender it claims: the signature check fails for that sender. An "
        "IDES file must state its SendingCompanyIN (optional in the FATCA schema) to be attributed.",
    )
)
def sender_signed(header: MessageHeader, ctx: RuleContext) -> Iterator[Problem]:
    signer = ctx.authenticated_sender
    if signer is None:
        return
    if is_country(signer):
        if header.transmitting_country != signer:
            yield problem(
                f"the packet was signed with the certificate registered for {signer}, but the document's "
                f"TransmittingCountry is {header.transmitting_country}",
                "MessageSpec/TransmittingCountry",
            )
    elif (header.sending_company_in or "").upper() != signer.upper():
        stated = header.sending_company_in or "not given"
        yield problem(
            f"the packet was signed with the certificate registered for {signer}, but the document's "
            f"SendingCompanyIN is {stated}",
            "MessageSpec/SendingCompanyIN",
        )


@message_rule(
    About(
        50008,
        "message-ref-id-format",
        "The MessageRefId must start with the sending country code, the reporting year and the receiving "
        "country code, followed by a unique identifier (e.g. FR2013CA123456789).",
        CRS | DPI,
        level="file",
        note="The sending country is the packet's authenticated sender (the header's TransmittingCountry "
        "for a file alone). Not applied to a domestic file (TransmittingCountry = ReceivingCountry): the "
        "format belongs to exchanges between competent authorities, and an institution reporting to its own "
        "authority is none. DPI: the DPI v1.0 schema's own documentation of MessageRefId states the same "
        "format.",
    )
)
def message_ref_id_format(header: MessageHeader, ctx: RuleContext) -> Iterator[Problem]:
    if ctx.domestic:
        return
    prefix = f"{ctx.sending_country}{header.reporting_period.year:04d}{header.receiving_country}"
    if not re.fullmatch(re.escape(prefix) + r".+", header.message_ref_id, flags=re.DOTALL):
        yield problem(
            f"MessageRefId must start with {prefix} (sending country, reporting year, receiving country) "
            "and go on with a unique identifier",
            "MessageSpec/MessageRefId",
        )


@message_rule(
    About(
        50009,
        "message-ref-id-reused",
        "The MessageRefId must not have been used in an earlier file of the same sender.",
        ALL_FORMATS,
        level="file",
    ),
    history=True,
)
def message_ref_id_reused(header: MessageHeader, ctx: RuleContext) -> Iterator[Problem]:
    if header.message_ref_id in ctx.used_message_ref_ids:
        yield problem(
            f"MessageRefId {header.message_ref_id} was already used by an earlier file",
            "MessageSpec/MessageRefId",
        )


class _DataEnvironment:
    """Reports the first record whose DocTypeIndic belongs to the other environment, once per file."""

    def __init__(self, ctx: RuleContext, environment: Environment, test_data: bool) -> None:
        self._applies = ctx.receiver.environment is environment
        self._environment = environment
        self._test_data = test_data
        self._reported = False

    def see(self, record: Record) -> Iterator[Problem]:
        spec = record.doc_spec
        known = spec.action is not None  # an unknown DocTypeIndic is the schema's finding, not ours
        if self._applies and known and not self._reported and spec.is_test_data is self._test_data:
            self._reported = True
            what = "test data" if self._test_data else "production data"
            yield problem(
                f"DocTypeIndic {record.doc_spec.doc_type_indic} marks {what}, which a "
                f"{self._environment.value} environment does not accept",
                field_path(record, "DocSpec", "DocTypeIndic"),
            )

    def end(self) -> Iterator[Problem]:
        return iter(())


@file_rule(
    About(
        50010,
        "test-data-in-production",
        "A production environment accepts no test data (DocTypeIndic OECD10-13, FATCA11-14).",
        ALL_FORMATS,
        level="file",
    )
)
def test_data_in_production(ctx: RuleContext) -> Tracker:
    return _DataEnvironment(ctx, Environment.PRODUCTION, test_data=True)


@file_rule(
    About(
        50011,
        "production-data-in-test",
        "A test environment accepts no production data (DocTypeIndic OECD0-3, FATCA1-4).",
        ALL_FORMATS,
        level="file",
        note="The standard's wording of 50011 is uncertain (FACTS.md §3); read as the mirror of 50010.",
    )
)
def production_data_in_test(ctx: RuleContext) -> Tracker:
    return _DataEnvironment(ctx, Environment.TEST, test_data=False)


@message_rule(
    About(
        50012,
        "wrong-receiving-jurisdiction",
        "The message must be meant for this receiving jurisdiction (ReceivingCountry).",
        ALL_FORMATS,
        level="file",
        note="CbC names every receiving jurisdiction: one of them must be this one.",
    )
)
def wrong_receiving_jurisdiction(header: MessageHeader, ctx: RuleContext) -> Iterator[Problem]:
    addressed = header.receiving_countries or (header.receiving_country,)
    if ctx.receiver.home_jurisdiction not in addressed:
        yield problem(
            f"the message is addressed to {', '.join(addressed)}, not to {ctx.receiver.home_jurisdiction}",
            "MessageSpec/ReceivingCountry",
        )


RULES = (
    sender_signed,
    message_ref_id_format,
    message_ref_id_reused,
    test_data_in_production,
    production_data_in_test,
    wrong_receiving_jurisdiction,
)
