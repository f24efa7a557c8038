"""DocSpec and correction rules (80000-80015): identifiers, correction chains and message types.

The chain rules (80000, 80002, 80003, 80011-80014) read `ChainView`: the DocRefIds this file has met so
far and what the store holds for the chunk being checked. 80000 and 80011 are decided within the file
alone when no store is at hand; the others are skipped then.

80009 is decided within the file (the body that deletes its ReportingFI deletes its account-level
records too) and, with a store, against it: at the end of the file one batched lookup
(`History.current_reports_under`) gives the reports of earlier files still current under the
ReportingFIs the file deletes. The file rule reads the History from `RuleContext.history` and
`RuleContext.sender` (without a History, only the within-file half runs).
"""

from __future__ import annotations

from collections.abc import Iterator

from exchange.records import DocAction, FIRole, MessageHeader, Record, ReportingFI
from exchange.states import DocState
from exchange.validation.rules.chain import ChainView, record_kind
from exchange.validation.rules.context import RuleContext, element_name, field_path
from exchange.validation.rules.declarations import (
    ALL_FORMATS,
    CRS,
    DPI,
    About,
    Problem,
    Tracker,
    chain_rule,
    file_rule,
    message_rule,
    problem,
    record_rule,
)

_AMENDING = (DocAction.CORRECTION, DocAction.DELETION)
_NEW_DATA = "new data"
_CORRECTIONS = "corrections and deletions"
_MODES = {
    "CRS701": _NEW_DATA,
    "CRS703": _NEW_DATA,
    "CRS702": _CORRECTIONS,
    "DPI401": _NEW_DATA,
    "DPI403": _NEW_DATA,
    "DPI402": _CORRECTIONS,
    "CBC401": _NEW_DATA,
    "CBC402": _CORRECTIONS,
}
_SHOWN = 3  # the stored reports an 80009 finding names


def _doc_ref_id(record: Record) -> str:
    return field_path(record, "DocSpec", "DocRefId")


def _corr_doc_ref_id(record: Record) -> str:
    return field_path(record, "DocSpec", "CorrDocRefId")


def _doc_type_indic(record: Record) -> str:
    return field_path(record, "DocSpec", "DocTypeIndic")


@chain_rule(
    About(
        80000,
        "doc-ref-id-reused",
        "A DocRefId must be unique: not used before in this or an earlier file.",
        ALL_FORMATS,
    ),
    history=False,
)
def doc_ref_id_reused(record: Record, ctx: RuleContext, chain: ChainView) -> Iterator[Problem]:
    spec = record.doc_spec
    if spec.action not in (None, DocAction.RESEND) and chain.used(spec.doc_ref_id):
        yield problem(f"DocRefId {spec.doc_ref_id} is already used", _doc_ref_id(record))


@record_rule(
    About(
        80001,
        "doc-ref-id-format",
        "The DocRefId must start with the sending country code.",
        CRS | DPI,
        note="The sending country is the authenticated sender of the packet, not what the header claims; "
        "a file without its packet is checked against its TransmittingCountry. DPI: taken over from CRS "
        "(uncertain: the DPI schema documents DocRefId only as the sender's unique identifier; see "
        "exchange/formats/FACTS.md).",
    )
)
def doc_ref_id_format(record: Record, ctx: RuleContext) -> Iterator[Problem]:
    country = ctx.sending_country
    if not record.doc_spec.doc_ref_id.startswith(country):
        yield problem(f"DocRefId must start with the sending country code {country}", _doc_ref_id(record))


@chain_rule(
    About(
        80002,
        "corr-doc-ref-id-unknown",
        "The CorrDocRefId must name a known record of the same kind.",
        ALL_FORMATS,
    )
)
def corr_doc_ref_id_unknown(record: Record, ctx: RuleContext, chain: ChainView) -> Iterator[Problem]:
    spec = record.doc_spec
    if spec.action in _AMENDING and spec.corr_doc_ref_id:
        target = chain.version(spec.corr_doc_ref_id)
        if target is None or target.kind is not record_kind(record):
            yield problem(
                f"CorrDocRefId {spec.corr_doc_ref_id} names no known {element_name(record)}",
                _corr_doc_ref_id(record),
            )


@chain_rule(
    About(
        80003,
        "corr-doc-ref-id-not-current",
        "The CorrDocRefId must name a record that is still valid: not already corrected or deleted.",
        ALL_FORMATS,
    )
)
def corr_doc_ref_id_not_current(record: Record, ctx: RuleContext, chain: ChainView) -> Iterator[Problem]:
    spec = record.doc_spec
    corr = spec.corr_doc_ref_id
    if spec.action not in _AMENDING or not corr or chain.amended_in_file(corr):
        return  # an amendment earlier in this file is 80011's
    target = chain.version(corr)
    if target is not None and target.kind is record_kind(record) and target.state is not DocState.CURRENT:
        yield problem(
            f"CorrDocRefId {corr} names a record already {target.state.value}", _corr_doc_ref_id(record)
        )


@record_rule(
    About(80004, "corr-doc-ref-id-for-new", "A new record (OECD1) must not give a CorrDocRefId.", ALL_FORMATS)
)
def corr_doc_ref_id_for_new(record: Record, ctx: RuleContext) -> Iterator[Problem]:
    if record.doc_spec.action is DocAction.NEW and record.doc_spec.corr_doc_ref_id:
        yield problem("a new record takes no CorrDocRefId", _corr_doc_ref_id(record))


@record_rule(
    About(
        80005,
        "corr-doc-ref-id-missing",
        "A correction or deletion must give the CorrDocRefId of the record it corrects or deletes.",
        ALL_FORMATS,
    )
)
def corr_doc_ref_id_missing(record: Record, ctx: RuleContext) -> Iterator[Problem]:
    if record.doc_spec.action in _AMENDING and not record.doc_spec.corr_doc_ref_id:
        yield problem("a correction or deletion needs a CorrDocRefId", _corr_doc_ref_id(record))


@record_rule(
    About(
        80006,
        "doc-spec-corr-message-ref-id",
        "CorrMessageRefId is forbidden within the DocSpec.",
        CRS | DPI,
        note="DPI: its schema documents DocSpec/CorrMessageRefId as 'must not be used'.",
    )
)
def doc_spec_corr_message_ref_id(record: Record, ctx: RuleContext) -> Iterator[Problem]:
    if record.doc_spec.corr_message_ref_id:
        yield problem(
            "CorrMessageRefId is not used in DocSpec", field_path(record, "DocSpec", "CorrMessageRefId")
        )


@message_rule(
    About(
        80007,
        "message-spec-corr-message-ref-id",
        "CorrMessageRefId is forbidden within the MessageSpec.",
        CRS,
    )
)
def message_spec_corr_message_ref_id(header: MessageHeader, ctx: RuleContext) -> Iterator[Problem]:
    if header.corr_message_ref_ids:
        yield Problem(
            "CorrMessageRefId is not used in MessageSpec", ("MessageSpec/CorrMessageRefId",), doc_ref_ids=()
        )


@record_rule(
    About(
        80008,
        "resend-only-reporting-fi",
        "The resend code OECD0 is allowed for the ReportingFI only.",
        ALL_FORMATS,
    )
)
def resend_only_reporting_fi(record: Record, ctx: RuleContext) -> Iterator[Problem]:
    # Sponsor and Intermediary are ReportingFI-shaped; the store resends them alike (exchange.store.chains).
    if record.doc_spec.action is DocAction.RESEND and not isinstance(record, ReportingFI):
        yield problem("only a ReportingFI may be resent (OECD0)", _doc_type_indic(record))


class _LoneInstitutionDeletion:
    """80009, in two halves.

    Within the file: once a body deletes its ReportingFI, every account-level record of that body must be
    a deletion too; decided as the records go by.

    Against the store, when the engine hands the rules the sender's History: the ReportingFIs the file
    deletes are looked up once, at the end of the file, for the reports still current under them in
    earlier files. A stored report that this file corrects or deletes anywhere (in another body, before
    or after the deletion) does not count: after the file it is no longer current under that
    ReportingFI. A deletion naming a version this file made by correcting a stored ReportingFI is looked
    up by the stored one. Memory: the CorrDocRefIds of the file's account-level corrections and
    deletions (as many as the chain rules' memory holds), and the file's ReportingFI deletions.
    """

    def __init__(self, ctx: RuleContext) -> None:
        self._body: int | None = None
        self._deleted_fi: ReportingFI | None = None
        self._history = ctx.history
        self._sender = ctx.sender or ctx.header.transmitting_country
        self._deletions: dict[str, ReportingFI] = {}  # stored ReportingFI DocRefId -> first deletion of it
        self._stored_fi: dict[str, str] = {}  # ReportingFI DocRefId corrected here -> the stored one
        self._amended: set[str] = set()  # CorrDocRefIds of the account-level corrections and deletions

    def see(self, record: Record) -> Iterator[Problem]:
        if record.body_index != self._body:
            self._body, self._deleted_fi = record.body_index, None
        spec = record.doc_spec
        if isinstance(record, ReportingFI):
            if record.role is FIRole.REPORTING_FI:
                self._see_institution(record)
            return
        if self._history is not None and spec.action in _AMENDING and spec.corr_doc_ref_id:
            self._amended.add(spec.corr_doc_ref_id)
        fi = self._deleted_fi
        if fi is not None and spec.action is not DocAction.DELETION:
            yield Problem(
                f"the ReportingFI {fi.doc_spec.doc_ref_id} is deleted but this {element_name(record)} is not",
                (_doc_type_indic(record), "ReportingFI/DocSpec/DocTypeIndic"),
                doc_ref_ids=(spec.doc_ref_id, fi.doc_spec.doc_ref_id),
            )

    def _see_institution(self, fi: ReportingFI) -> None:
        spec = fi.doc_spec
        if spec.action is DocAction.DELETION:
            self._deleted_fi = fi
        if self._history is None or not spec.corr_doc_ref_id:
            return
        stored = self._stored_fi.get(spec.corr_doc_ref_id, spec.corr_doc_ref_id)
        if spec.action is DocAction.DELETION:
            self._deletions.setdefault(stored, fi)  # a second deletion of it is 80011's
        elif spec.action is DocAction.CORRECTION:
            self._stored_fi[spec.doc_ref_id] = stored

    def end(self) -> Iterator[Problem]:
        if self._history is None or not self._deletions:
            return
        # Enough to find a report this file leaves current even if all the file amends stand there too.
        limit = len(self._amended) + _SHOWN
        under = self._history.current_reports_under(self._sender, list(self._deletions), limit)
        for stored, fi in self._deletions.items():
            found = under.get(stored, ())
            left = [doc_ref_id for doc_ref_id in found if doc_ref_id not in self._amended]
            if not left:
                continue
            count = str(len(left)) if len(found) < limit else f"at least {len(left)}"
            shown = left[:_SHOWN]
            more = ", ..." if len(shown) < len(left) or len(found) == limit else ""
            yield Problem(
                f"the ReportingFI {fi.doc_spec.corr_doc_ref_id} is deleted but {count} of the reports stored "
                f"under it in earlier files are not deleted: {', '.join(shown)}{more}",
                ("ReportingFI/DocSpec/DocTypeIndic",),
                doc_ref_ids=(*shown, fi.doc_spec.doc_ref_id),
                line=fi.line,
                path=fi.path,
            )


@file_rule(
    About(
        80009,
        "reporting-fi-deleted-alone",
        "A ReportingFI cannot be deleted without deleting its AccountReports.",
        ALL_FORMATS,
        note="DPI: the PlatformOperator is the body's ReportingFI, and its sellers and other platform "
        "operators its reports. CbC: the ReportingEntity is, and its CbcReports and AdditionalInfo.",
    )
)
def reporting_fi_deleted_alone(ctx: RuleContext) -> Tracker:
    return _LoneInstitutionDeletion(ctx)


class _MixedMessage:
    """The message's mode comes from MessageTypeIndic (CRS), or from its first account-level record
    (FATCA has no MessageTypeIndic); account-level records of the other mode are reported.

    ReportingFI, Sponsor and Intermediary are left out: a correction message carries its institution as
    it stands (new OECD1, resent OECD0 or corrected), as the OECD's correction samples show.
    """

    def __init__(self, ctx: RuleContext) -> None:
        indic = ctx.header.message_type_indic
        self._mode = _MODES.get(indic or "")
        self._source = f"MessageTypeIndic {indic}" if self._mode else "its first record"

    def see(self, record: Record) -> Iterator[Problem]:
        action = record.doc_spec.action
        if isinstance(record, ReportingFI) or action is None or action is DocAction.RESEND:
            return
        mode = _NEW_DATA if action is DocAction.NEW else _CORRECTIONS
        if self._mode is None:
            self._mode = mode
        elif mode != self._mode:
            yield problem(
                f"DocTypeIndic {record.doc_spec.doc_type_indic} is {mode} in a message of {self._mode} "
                f"(by {self._source}); a message holds one or the other",
                _doc_type_indic(record),
            )

    def end(self) -> Iterator[Problem]:
        return iter(())


@file_rule(
    About(
        80010,
        "mixed-new-and-corrections",
        "A message holds either new records or corrections and deletions, not both.",
        ALL_FORMATS,
    )
)
def mixed_new_and_corrections(ctx: RuleContext) -> Tracker:
    return _MixedMessage(ctx)


@chain_rule(
    About(
        80011,
        "corrected-twice",
        "The same DocRefId cannot be corrected or deleted twice in the same message.",
        ALL_FORMATS,
    ),
    history=False,
)
def corrected_twice(record: Record, ctx: RuleContext, chain: ChainView) -> Iterator[Problem]:
    spec = record.doc_spec
    if spec.action in _AMENDING and spec.corr_doc_ref_id and chain.amended_in_file(spec.corr_doc_ref_id):
        yield problem(
            f"{spec.corr_doc_ref_id} is already corrected or deleted earlier in this message",
            _corr_doc_ref_id(record),
        )


@chain_rule(
    About(
        80012,
        "reporting-period-mismatch",
        "A correction, deletion or resend must be for the ReportingPeriod of the record it names: one "
        "message does not span two ReportingPeriods.",
        ALL_FORMATS,
        note="FACTS.md §3 says only 'two ReportingPeriods'; a CRS message states one ReportingPeriod, so "
        "the second can only be that of the earlier record a correction names (asked from the store).",
    )
)
def reporting_period_mismatch(record: Record, ctx: RuleContext, chain: ChainView) -> Iterator[Problem]:
    spec = record.doc_spec
    target = spec.doc_ref_id if spec.action is DocAction.RESEND else spec.corr_doc_ref_id
    if spec.action in (*_AMENDING, DocAction.RESEND) and target:
        known = chain.stored.get(target)
        period = ctx.header.reporting_period
        earlier = None if known is None else known.reporting_period
        if earlier is not None and earlier != period:
            yield problem(
                f"{target} was reported for ReportingPeriod {earlier.isoformat()}, this message is for "
                f"{period.isoformat()}",
                "MessageSpec/ReportingPeriod",
                _corr_doc_ref_id(record) if spec.action in _AMENDING else _doc_ref_id(record),
            )


@chain_rule(
    About(80013, "resend-unknown", "A resent record (OECD0) must name a known DocRefId.", ALL_FORMATS)
)
def resend_unknown(record: Record, ctx: RuleContext, chain: ChainView) -> Iterator[Problem]:
    spec = record.doc_spec
    if spec.action is DocAction.RESEND and isinstance(record, ReportingFI):
        known = chain.version(spec.doc_ref_id)
        if known is None or known.kind is not record_kind(record):
            yield problem(f"resent DocRefId {spec.doc_ref_id} is unknown", _doc_ref_id(record))


@chain_rule(
    About(
        80014,
        "resend-not-current",
        "A resent record (OECD0) must name a DocRefId that is still valid: not corrected or deleted.",
        ALL_FORMATS,
    )
)
def resend_not_current(record: Record, ctx: RuleContext, chain: ChainView) -> Iterator[Problem]:
    spec = record.doc_spec
    if spec.action is DocAction.RESEND and isinstance(record, ReportingFI):
        known = chain.version(spec.doc_ref_id)
        if known is not None and known.kind is record_kind(record) and known.state is not DocState.CURRENT:
            yield problem(
                f"resent DocRefId {spec.doc_ref_id} is already {known.state.value}", _doc_ref_id(record)
            )


class _NoBody:
    def __init__(self, ctx: RuleContext) -> None:
        self._nil_message = ctx.header.message_type_indic == "CRS703"
        self._records = 0

    def see(self, record: Record) -> Iterator[Problem]:
        self._records += 1
        return iter(())

    def end(self) -> Iterator[Problem]:
        if self._records == 0 and not self._nil_message:
            yield Problem(
                "the message has no CrsBody, which only a CRS703 (no data) message may omit",
                ("CrsBody",),
                doc_ref_ids=(),
            )


@file_rule(About(80015, "crs-body-omitted", "CrsBody may be omitted only for MessageTypeIndic CRS703.", CRS))
def crs_body_omitted(ctx: RuleContext) -> Tracker:
    return _NoBody(ctx)


RULES = (
    doc_ref_id_reused,
    doc_ref_id_format,
    corr_doc_ref_id_unknown,
    corr_doc_ref_id_not_current,
    corr_doc_ref_id_for_new,
    corr_doc_ref_id_missing,
    doc_spec_corr_message_ref_id,
    message_spec_corr_message_ref_id,
    resend_only_reporting_fi,
    reporting_fi_deleted_alone,
    mixed_new_and_corrections,
    corrected_twice,
    reporting_period_mismatch,
    resend_unknown,
    resend_not_current,
    crs_body_omitted,
)
