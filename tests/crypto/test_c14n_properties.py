"""Property test of the canonicalizer: its fast and general paths agree byte for byte, and with libxml2.

Hypothesis writes documents meant to trip a canonicalizer: namespaces declared at every level and
rebound, one URI under two prefixes, the default namespace set and undeclared (xmlns=""),
prefixed and unprefixed attributes in any order, characters that need escaping written raw, as
entities or as character references, CDATA, comments, processing instructions, blanks inside tags,
deep nesting. Each document is fed in pieces cut anywhere (even inside a UTF-8 sequence) and
canonicalized twice: through `ContentCanonicalizer` (the fast path the signer and the verifier use)
and with the reader declining it, so that every event takes `Canonicalizer` (the general path).

The reference is libxml2 through lxml (`etree.tostring(method="c14n")`), not the standard library's
`xml.etree.ElementTree.canonicalize`, which implements C14N 2.0 and has no exclusive mode. Where
libxml2 and the specifications part ways, the documents avoid the difference:
- nothing but the root element is canonicalized: no comment or processing instruction outside it
  (ours canonicalizes one element subtree, libxml2 the document's other top-level nodes with it);
- namespace URIs are absolute: C14N 1.0 (§2.1) must fail on relative ones, and libxml2 does, while
  ours renders them as written;
- libxml2 writes a namespace URI unescaped (`xmlns:p="?d=1&e=2"`, not even well-formed), where
  C14N 1.0 renders namespace nodes as attributes, escaped: its output is corrected for that one URI;
- the InclusiveNamespaces list never holds "#default" (lxml ignores it; the specification renders
  the default namespace then, as ours does).
The inclusive-C14N pitfall of libxml2 (a stray xmlns="" on a subtree apex) cannot arise here,
because the apex is always the root.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crypto.algorithms import (
    EXCLUSIVE,
    EXCLUSIVE_WITH_COMMENTS,
    INCLUSIVE,
    INCLUSIVE_WITH_COMMENTS,
    C14nMethod,
)
from crypto.errors import PacketError
from tests.crypto.test_c14n import canonicalize

PREFIXES = ("p", "q", "r")
# Few URIs, so that prefixes often share one or get rebound to the one they already have; '&'
# needs escaping in the declaration.
AMPERSAND_URI = "http://example.org/c?d=1&e=2"
URIS = ("urn:a", "urn:b", AMPERSAND_URI)
LOCAL_NAMES = ("a", "b", "B", "Id", "é")  # attributes sort by code point: case and accents count
TEXT_CHARS = "ab \t\n\r&<>\"']-é東\U0001f600"
PLAIN_CHARS = "ab \t\n\ré東\U0001f600"  # text without markup characters takes a shorter way
METHODS = (EXCLUSIVE, EXCLUSIVE_WITH_COMMENTS, INCLUSIVE, INCLUSIVE_WITH_COMMENTS)
MAX_NESTING = 7

# Built once: Hypothesis validates a strategy each time one is made, which would dominate the run.
TEXTS = st.text(TEXT_CHARS, max_size=8) | st.text(PLAIN_CHARS, max_size=8)
COMMENTS = st.text(TEXT_CHARS, max_size=8).filter(lambda s: "--" not in s and s[-1:] != "-")
PI_DATA = st.text(TEXT_CHARS, max_size=6).filter(lambda s: "?>" not in s)
CDATA = st.text(TEXT_CHARS, max_size=8).filter(lambda s: "]]>" not in s)
PI_TARGETS = st.sampled_from(["pi", "x-y", "Target"])
# Most elements declare nothing, as in real documents: that is where the fast path does its work.
SOME_DECLARATIONS = st.dictionaries(st.sampled_from(PREFIXES), st.sampled_from(URIS), min_size=1, max_size=2)
# Real files declare every prefix on the root and use most of them first far below it.
ROOT_DECLARATIONS = st.dictionaries(st.sampled_from(PREFIXES), st.sampled_from(URIS), min_size=2)
DECLARATIONS: st.SearchStrategy[dict[str, str]] = st.just({}) | st.just({}) | SOME_DECLARATIONS
DEFAULTS = st.sampled_from([None, None, None, None, "", *URIS])
NAMES = st.sampled_from(LOCAL_NAMES)
VALUES = st.text(TEXT_CHARS, max_size=6)
ATTRIBUTE_COUNTS = st.sampled_from([0, 0, 0, 1, 1, 2, 3, 4])
LEAF = st.lists(st.sampled_from(["text", "comment", "pi", "cdata"]), max_size=4)
BRANCH = st.lists(
    st.sampled_from(["text", "comment", "pi", "cdata"] + ["element"] * 4), min_size=1, max_size=4
)


@dataclass(frozen=True)
class Case:
    document: bytes
    cuts: tuple[int, ...]
    method: C14nMethod
    inclusive_prefixes: tuple[str, ...]
    max_depth: int
    nesting: int  # how deep the document goes: past `max_depth`, both paths must refuse it


def _character(char: str, noise: random.Random, quote: str = "") -> str:
    """One character as a document may write it: raw when XML allows, or as an entity or reference.

    A raw CR (anywhere) or a raw blank in an attribute reaches the canonicalizer normalized by the
    parser; only a reference keeps it, and its escaping in the output is under test, so blanks are
    written as references half of the time.
    """
    named = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}
    choice = noise.random()
    if char in "&<" or char == quote or choice < (0.5 if char in "\t\n\r" else 0.15):
        if char in named and choice < 0.5:
            return named[char]
        return f"&#{ord(char)};" if noise.random() < 0.5 else f"&#x{ord(char):X};"
    return char


def _escaped_text(text: str, noise: random.Random) -> str:
    out = [_character(char, noise) for char in text]
    for index in range(2, len(out)):  # ']]>' may not appear in content
        if out[index] == ">" and out[index - 1] == out[index - 2] == "]":
            out[index] = "&gt;"
    return "".join(out)


def _blank(noise: random.Random) -> str:
    return noise.choice([" ", " ", "\n", "\t ", "  "])


@dataclass
class _Draft:
    """The state of one document being drawn."""

    # How the document is spelled (quotes, blanks, references) need not shrink: a plain seeded
    # generator is far cheaper than one whose every call is a Hypothesis draw.
    noise: random.Random
    # Elements it may still get: bushy or deep, but never slow to draw.
    elements_left: int
    # Like most real files: namespaces declared on the root only, attributes without prefixes. The
    # fast path then settles every tag itself, namespace rendering included.
    plain: bool
    deepest: int = 0


@st.composite
def _content(draw: st.DrawFn, draft: _Draft, scope: dict[str, str], prefix: str, depth: int) -> str:
    kinds = draw(BRANCH if depth < MAX_NESTING else LEAF)
    noise = draft.noise
    if depth == 1:  # the fast path starts below the root: give it something to do
        kinds.insert(noise.randint(0, len(kinds)), "element")
    items = []
    for kind in kinds:
        if kind == "element":
            if draft.elements_left > 0:
                element = draw(_element(draft, scope, prefix, depth + 1))
                # Repeated records are what the fast path remembers tags for: the second copy
                # is rendered from what the first one taught it. (Only near the root, so that
                # copies of copies do not multiply.)
                items.append(element * (noise.choice([1, 1, 2, 3]) if depth < 3 else 1))
        elif kind == "text":
            items.append(_escaped_text(draw(TEXTS), noise))
        elif kind == "comment":
            items.append(f"<!--{draw(COMMENTS)}-->")
        elif kind == "pi":
            target, data = draw(PI_TARGETS), draw(PI_DATA)
            items.append(
                f"<?{target}{_blank(noise)}{data}?>" if data or noise.random() < 0.5 else f"<?{target}?>"
            )
        else:
            items.append(f"<![CDATA[{draw(CDATA)}]]>")
    return "".join(items)


@st.composite
def _element(draw: st.DrawFn, draft: _Draft, scope: dict[str, str], parent_prefix: str, depth: int) -> str:
    draft.elements_left -= 1
    draft.deepest = max(draft.deepest, depth)
    root, plain = depth == 1, draft.plain
    declarations = draw(ROOT_DECLARATIONS) if root else {} if plain else draw(DECLARATIONS)
    default = draw(DEFAULTS) if root or not plain else None
    inner = {**scope, **declarations}
    if default is not None:
        inner[""] = default
    prefixed = sorted(p for p in inner if p)
    # Children favour their parent's prefix, so that a prefix rendered on one element is often used
    # again below it: exclusive C14N must not render it twice.
    noise = draft.noise
    prefix = noise.choice(["", *prefixed, *([parent_prefix] * 2 if parent_prefix else [])])
    name = f"{prefix}:{draw(NAMES)}" if prefix else draw(NAMES)

    attributes: list[tuple[str, str]] = [(f"xmlns:{p}", uri) for p, uri in declarations.items()]
    if default is not None:
        attributes.append(("xmlns", default))
    expanded: set[tuple[str, str]] = set()
    # In plain documents none or unprefixed ones, which the fast path renders; otherwise often prefixed
    # ones, which send the tag to the general path and sort by namespace URI, not by prefix.
    attribute_prefixes = [""] if plain else ["", "", "xml", *prefixed, *prefixed]
    for _ in range(draw(ATTRIBUTE_COUNTS)):
        attribute_prefix, local = noise.choice(attribute_prefixes), draw(NAMES)
        uri = "xml" if attribute_prefix == "xml" else inner.get(attribute_prefix, "")
        if (uri, local) in expanded:  # one expanded name twice is not namespace-well-formed
            continue
        expanded.add((uri, local))
        value = draw(VALUES)
        attributes.append((f"{attribute_prefix}:{local}" if attribute_prefix else local, value))
    noise.shuffle(attributes)

    tag = [name]
    for attribute, value in attributes:
        quote = noise.choice("\"'")
        equals = noise.choice(["=", " = ", "=\n"])
        value_text = "".join(_character(char, noise, quote) for char in value)
        tag.append(f"{_blank(noise)}{attribute}{equals}{quote}{value_text}{quote}")
    opening = "".join(tag) + (_blank(noise) if noise.random() < 0.2 else "")
    content = draw(_content(draft, inner, prefix, depth))
    if not content and noise.random() < 0.5:
        return f"<{opening}/>"
    return f"<{opening}>{content}</{name}>"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    noise = random.Random(draw(st.integers(0, 2**32)))
    # Hypothesis favours small and first choices; the size, the kind of document and the method
    # deserve even shares instead.
    draft = _Draft(noise, noise.randint(2, 24), noise.random() < 0.5)
    root = draw(_element(draft, {}, "", 1))
    prolog = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>"]))
    document = (prolog + root + draw(st.sampled_from(["", "\n"]))).encode()
    cuts = tuple(sorted(draw(st.lists(st.integers(0, len(document)), max_size=6))))
    method = noise.choice(METHODS)
    prefixes = tuple(draw(st.sets(st.sampled_from(PREFIXES), max_size=1))) if method.exclusive else ()
    return Case(document, cuts, method, prefixes, draw(st.integers(2, MAX_NESTING * 2)), draft.deepest)


def outcome(case: Case, *, fast: bool) -> bytes | str:
    """The canonical bytes, or the reason the reader refused the document."""
    try:
        return canonicalize(
            case.document,
            case.method,
            fast=fast,
            cuts=case.cuts,
            inclusive_prefixes=case.inclusive_prefixes,
            max_depth=case.max_depth,
        )
    except PacketError as exc:
        return f"{int(exc.code)} {exc.reason}"


def libxml2(case: Case) -> bytes:
    """libxml2's canonical form, its one known slip corrected (see the module's docstring)."""
    root = etree.fromstring(case.document, etree.XMLParser(resolve_entities=False, no_network=True))
    canonical = etree.tostring(
        root,
        method="c14n",
        exclusive=case.method.exclusive,
        with_comments=case.method.with_comments,
        inclusive_ns_prefixes=list(case.inclusive_prefixes) or None,
    )
    # Nothing else can spell this URI: the texts' alphabet has no 'x', 'l' or '?'.
    return canonical.replace(AMPERSAND_URI.encode(), AMPERSAND_URI.replace("&", "&amp;").encode())


@settings(
    max_examples=400,
    deadline=None,
    database=None,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(cases())
def test_fast_and_general_paths_agree_with_each_other_and_with_libxml2(case: Case) -> None:
    fast = outcome(case, fast=True)
    general = outcome(case, fast=False)
    assert fast == general, case.document
    if case.nesting > case.max_depth:
        assert isinstance(general, str) and general.startswith("50005 XML nesting deeper"), general
        return
    assert isinstance(general, bytes)
    assert general == libxml2(case), case.document
    # A canonical form is its own canonical form. It is also what a signed file carries (exclusive
    # C14N declares each prefix where it is first used), so the verifier reads this shape most.
    again = replace(case, document=general, cuts=tuple(cut for cut in case.cuts if cut <= len(general)))
    assert outcome(again, fast=True) == outcome(again, fast=False) == general, case.document
