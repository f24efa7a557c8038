"""What a finding may quote of a file's content: code-list values and message identifiers, nothing else.

Findings are kept (the finding table), shown to operators (`exchange files errors`) and sent back in the
status message, also for a rejected file, which must leave its failure and not its data. libxml2's schema
messages quote the offending value (`'1963-11-31' is not a valid value of the atomic type 'xs:date'`); for
an element whose value can be a person's (names, TINs, dates, addresses, account numbers, amounts) the
message keeps the element and the kind of problem and drops the value. The decision is per element, by
the declared lists below, and the default is to drop: an element added by a new format is safe until
someone declares it quotable.

The rules' own messages follow the same lists by construction (they quote DocRefIds, codes and countries
only); tests/validation/test_disclosure.py holds both to a corpus of personal elements.
"""

from __future__ import annotations

import re

# Elements whose value is a code of a published list or an identifier of a message or record: quoting a
# wrong one helps the sender and tells nothing about a person.
QUOTABLE_ELEMENTS = frozenset(
    {
        # the message header
        "TransmittingCountry",
        "ReceivingCountry",
        "MessageType",
        "MessageTypeIndic",
        "MessageRefId",
        "CorrMessageRefId",
        "ReportingPeriod",
        "Timestamp",
        "SendingCompanyIN",  # the sending institution or authority (a GIIN), not a person
        # a record's identity
        "DocTypeIndic",
        "DocRefId",
        "CorrDocRefId",
        # code lists (countries are codes: FACTS.md treats them as not personal)
        "ResCountryCode",
        "CountryCode",
        "Nationality",
        "AcctHolderType",
        "CtrlgPersonType",
        "Type",  # a Payment's type: CRS501-504, FATCA501-504
        "FilerCategory",
        "AccountPoolReportType",
        "AccountCount",  # of a pool, an aggregate
        "SelfCert",
        "EquityInterestType",
        "DDProcedure",
        "AccountType",
        # a status message's own content
        "OriginalMessageRefID",
        "DocRefIDInError",
        "Code",
        "Status",
    }
)
QUOTABLE_ATTRIBUTES = frozenset(
    {
        "version",
        "currCode",
        "AcctNumberType",
        "UndocumentedAccount",
        "ClosedAccount",
        "DormantAccount",
        "nameType",
        "legalAddressType",
        "issuedBy",
        "INType",
    }
)

_SUBJECT = re.compile(
    r"^Element '(?P<element>[^']*)'(?:, attribute '(?P<attribute>[^']*)')?: (?P<rest>.*)$", re.S
)
# libxml2's forms that carry the value (its length facets say only the length). The value is matched
# greedily, so that what follows it is the shortest ending libxml2 writes after a value: a value cannot
# lengthen that ending.
_NOT_VALID = re.compile(r"^'.*' (?P<rest>is not a valid value of .*)$", re.S)
_FACET = re.compile(
    r"^\[facet '(?P<facet>\w+)'\] The value (?:'.*' )?(?P<rest>"
    r"has a length of '\d+'; this (?:differs from|underruns|exceeds) the allowed (?:minimum |maximum )?"
    r"length of '\d+'\."
    r"|is not an element of the set \{[^}]*\}\."
    r"|is not accepted by the pattern '[^']*'\."
    r"|is (?:less|greater) than the (?:minimum|maximum) value allowed \('[^']*'\)\."
    r"|must be (?:greater|less) than '[^']*'\."
    r"|has more (?:fractional )?digits than are allowed \('\d+'\)\."
    r")$",
    re.S,
)
_FACET_ONLY = re.compile(r"^\[facet '(?P<facet>\w+)'\]")
_KEY_SEQUENCE = re.compile(
    r"^(?P<what>Duplicate key-sequence|No match found for key-sequence) \[.*\] "
    r"(?P<rest>in [\w -]*identity-constraint '[^']*'\.|of keyref '[^']*'\.)$",
    re.S,
)
_ANY_VALUE = re.compile(r"value '", re.I)
_BYTES = re.compile(r"\s*Bytes:(?: 0x[0-9A-Fa-f]{2})+")


def quotable(element: str, attribute: str | None = None) -> bool:
    """Whether the value of this element (or of this attribute of it) may stand in a finding."""
    return attribute in QUOTABLE_ATTRIBUTES if attribute else element in QUOTABLE_ELEMENTS


def schema_message(message: str) -> str:
    """A libxml2 schema-validity message (namespaces already removed) without the value it quotes, unless
    the element or attribute it concerns is quotable."""
    subject = _SUBJECT.match(message)
    if subject is None or quotable(subject["element"], subject["attribute"]):
        return message
    rest = subject["rest"]
    head = message[: subject.start("rest")]
    if (found := _NOT_VALID.match(rest)) is not None:
        return f"{head}its value {found['rest']}"
    if (found := _FACET.match(rest)) is not None:
        return f"{head}[facet '{found['facet']}'] its value {found['rest']}"
    if (found := _FACET_ONLY.match(rest)) is not None:
        return f"{head}[facet '{found['facet']}'] its value does not meet this facet of its type."
    if (found := _KEY_SEQUENCE.match(rest)) is not None:
        return f"{head}{found['what']} (values not shown) {found['rest']}"
    if _ANY_VALUE.search(rest):
        return f"{head}its value is not valid here."
    return message


def parse_message(message: str) -> str:
    """A libxml2 well-formedness message without the bytes it may show of the text (part of a name)."""
    return _BYTES.sub("", message)
