"""The streaming canonicalizer against libxml2's (lxml) on whole documents, where libxml2 is right."""

from __future__ import annotations

import pytest
from lxml import etree

from crypto.algorithms import EXCLUSIVE, INCLUSIVE, INCLUSIVE_WITH_COMMENTS, C14nMethod
from crypto.c14n import Canonicalizer
from crypto.xmlsafe import SafeXmlReader

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
]


def ours(document: bytes, method: C14nMethod) -> bytes:
    parts: list[str] = []
    reader = SafeXmlReader(Canonicalizer(method, parts), max_depth=64)
    reader.feed(document)
    reader.close()
    return "".join(parts).encode()


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("method", [EXCLUSIVE, INCLUSIVE, INCLUSIVE_WITH_COMMENTS])
def test_matches_libxml2_on_whole_documents(document: bytes, method: C14nMethod) -> None:
    expected = etree.tostring(
        etree.fromstring(document),
        method="c14n",
        exclusive=method.exclusive,
        with_comments=method.with_comments,
    )
    # lxml renders the root's comments only when they are inside it; ours see the same events.
    assert ours(document, method) == expected


def test_fed_in_single_bytes_gives_the_same_result() -> None:
    document = DOCUMENTS[2] + b""
    parts: list[str] = []
    reader = SafeXmlReader(Canonicalizer(EXCLUSIVE, parts), max_depth=64)
    for index in range(len(document)):
        reader.feed(document[index : index + 1])
    reader.close()
    assert "".join(parts).encode() == ours(document, EXCLUSIVE)
