"""The streaming canonicalizer against libxml2's (lxml) on whole documents, where libxml2 is right.

Every document goes through both paths: `ContentCanonicalizer` (the fast path, which the signer and
the verifier use for the content of the signed document) and `Canonicalizer` alone (the general
path, which the reader falls back to when it declines the fast one).
"""

from __future__ import annotations

import itertools
import tracemalloc
from collections.abc import Callable, Iterable

import pytest
from lxml import etree

from crypto import c14n
from crypto.algorithms import EXCLUSIVE, INCLUSIVE, INCLUSIVE_WITH_COMMENTS, C14nMethod
from crypto.c14n import Canonicalizer, ContentCanonicalizer
from crypto.errors import PacketError
from crypto.xmlsafe import ContentHandler, SafeXmlReader, XmlSyntaxError
from exchange.errors import ExchangeError

DOCUMENTS = [
    b"<a/>",
    b'<a xmlns="urn:x"><b xmlns=""><c/></b><d xmlns="urn:x"/></a>',
    b'<p:a xmlns:p="urn:p" xmlns:q="urn:q" xmlns:unused="urn:u"><q:b q:z="1" p:y="2" x="3" a="4"/></p:a>',
    b'<a xmlns:p="urn:p"><b xmlns:p="urn:other"><p:c/></b><p:d/></a>',
    b'<a attr="tab&#9;nl&#10;cr&#13;quote&quot;lt&lt;gt>amp&amp;">text &amp; &lt; &gt; &#13; "\'</a>',
    b"<a><![CDATA[<not> & markup]]><?pi  some data?><?bare?><!-- comment --></a>",
    b'<a xml:lang="en" xml:space="preserve"><b xml:lang="fr">\n  x  \n</b></a>',
    "<a>Zoë, Müller, 東京, \U0001f600</a>".encode(),
    b'<a xmlns="urn:d" xmlns:x="urn:x"><x:b><c x:attr="v"/></x:b></a>',
    # What the fast path remembers: repeated records, a prefix rendered below the root and used
    # again under it, tags that only declare (as exclusive C14N output does), attributes in any order.
    b'<r xmlns:p="urn:p" xmlns:q="urn:q">'
    b'<p:rec><p:id k="1" b="2" a="3">1</p:id><q:x xmlns:q="urn:q"/></p:rec>'
    b'<p:rec><p:id a="3" k="1" b="2">2</p:id><q:x xmlns:q="urn:q"/></p:rec>'
    b'<rec p:k="v"/><rec xmlns="urn:d"/></r>',
]


class WholeDocument:
    """Canonicalizes a document with its root as the apex, offering the root's content to the fast
    path as the signer and the verifier do."""

    def __init__(
        self,
        canonicalizer: Canonicalizer,
        *,
        watched: frozenset[str] = frozenset(),
        on_watched: Callable[[str], None] | None = None,
    ) -> None:
        self._canonicalizer = canonicalizer
        self._watched = watched
        self._on_watched = on_watched

    def start(
        self,
        qname: str,
        attributes: list[tuple[str, str]],
        declarations: dict[str, str],
        scope: dict[str, str],
    ) -> ContentHandler | None:
        root = self._canonicalizer.depth == 0
        self._canonicalizer.start(qname, attributes, declarations, scope)
        if not root:
            return None
        return ContentCanonicalizer(self._canonicalizer, watched=self._watched, on_watched=self._on_watched)

    def end(self, qname: str) -> None:
        self._canonicalizer.end(qname)

    def text(self, data: str) -> None:
        self._canonicalizer.text(data)

    def comment(self, data: str) -> None:
        self._canonicalizer.comment(data)

    def pi(self, target: str, data: str) -> None:
        self._canonicalizer.pi(target, data)


def canonicalize(
    document: bytes,
    method: C14nMethod,
    *,
    fast: bool,
    cuts: Iterable[int] = (),
    inclusive_prefixes: Iterable[str] = (),
    max_depth: int = 64,
) -> bytes:
    """Feed `document` cut at `cuts`; `fast=False` makes the reader decline the fast path."""
    parts: list[str] = []
    canonicalizer = Canonicalizer(method, parts, inclusive_prefixes=inclusive_prefixes)
    reader = SafeXmlReader(WholeDocument(canonicalizer), max_depth, content_handlers=fast)
    for begin, end in itertools.pairwise((0, *cuts, len(document))):
        reader.feed(document[begin:end])
    reader.close()
    return "".join(parts).encode()


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "general"])
@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("method", [EXCLUSIVE, INCLUSIVE, INCLUSIVE_WITH_COMMENTS])
def test_matches_libxml2_on_whole_documents(document: bytes, method: C14nMethod, fast: bool) -> None:
    expected = etree.tostring(
        etree.fromstring(document),
        method="c14n",
        exclusive=method.exclusive,
        with_comments=method.with_comments,
    )
    assert canonicalize(document, method, fast=fast) == expected


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "general"])
def test_fed_in_single_bytes_gives_the_same_result(fast: bool) -> None:
    document = DOCUMENTS[-1]
    whole = canonicalize(document, EXCLUSIVE, fast=fast)
    assert canonicalize(document, EXCLUSIVE, fast=fast, cuts=range(1, len(document))) == whole


@pytest.mark.parametrize(
    ("document", "refusal"),
    [
        (b"<r><p:a/></r>", "undeclared namespace prefix 'p'"),
        (b'<r><a k="1"/><a p:k="1"/></r>', "undeclared namespace prefix 'p'"),
        (b'<r xmlns:p="urn:p"><a xmlns:p=""/></r>', "empty namespace declaration"),
        (b'<r><a xmlns:x="http://www.w3.org/2001/XInclude"/></r>', "XInclude"),
        (b"<r><a><b><c><d/></c></b></a></r>", "deeper than 4 levels"),
        (b"<r><a/><a><b><c/></b></a><a><b><c><d/></c></b></a></r>", "deeper than 4 levels"),
    ],
)
def test_both_paths_refuse_the_same_documents(document: bytes, refusal: str) -> None:
    for fast in (True, False):
        with pytest.raises((XmlSyntaxError, PacketError), match=refusal) as caught:
            canonicalize(document, EXCLUSIVE, fast=fast, max_depth=4)
        assert isinstance(caught.value, ExchangeError)


def test_the_fast_path_sees_every_watched_attribute() -> None:
    """The verifier's Id check rides on the fast path: whichever way a tag is rendered, it sees them."""
    document = (
        b'<r xmlns:p="urn:p"><a Id="1"/><a Id="1"/><a Id="2" b="x"/><a xml:id="3"/><a p:b="y" Id="4"/>'
        b'<a xmlns:q="urn:q" Id="5"/><a ID="6"/></r>'
    )
    seen: list[str] = []
    parts: list[str] = []
    canonicalizer = Canonicalizer(EXCLUSIVE, parts)
    watching = WholeDocument(canonicalizer, watched=frozenset({"Id", "xml:id"}), on_watched=seen.append)
    reader = SafeXmlReader(watching, max_depth=8)
    reader.feed(document)
    reader.close()
    assert seen == ["1", "1", "2", "3", "4", "5"]
    assert "".join(parts).encode() == canonicalize(document, EXCLUSIVE, fast=False)


def test_past_its_memory_budget_the_fast_path_stays_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(c14n, "_MEMORY_BUDGET", 2000)
    records = b"".join(
        b'<p:e%d a="%d"><p:x/><q:y xmlns:q="urn:q%d"/></p:e%d>' % (i, i, i % 7, i) for i in range(300)
    )
    document = b'<r xmlns:p="urn:p">' + records + records + b"</r>"
    for method in (EXCLUSIVE, INCLUSIVE):
        assert canonicalize(document, method, fast=True) == canonicalize(document, method, fast=False)


def test_memory_stays_flat_when_every_tag_is_new() -> None:
    """Remembered tags are bounded: a hostile file of ever new, huge namespace URIs is not kept."""
    uri = "urn:" + "x" * 1000
    records = (f'<p:a xmlns:p="{uri}{i}"><p:b/></p:a>'.encode() for i in range(5_000))
    parts: list[str] = []
    reader = SafeXmlReader(WholeDocument(Canonicalizer(EXCLUSIVE, parts)), max_depth=8)
    tracemalloc.start()
    try:
        reader.feed(b"<r>")
        for record in records:
            reader.feed(record)
            parts.clear()
        reader.feed(b"</r>")
        reader.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000  # the document is over 5 MB; remembering it all would take 20 MB
