"""Which format and version a file is, from its root element's namespace (and `version` attribute).

Only the prolog and the root's start tag are read. A file the product cannot place (not XML, unknown
namespace, a root or version that contradicts the namespace) gets a 50007 finding, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.formats import registry
from exchange.formats.spec import FormatSpec
from exchange.validation import safety
from exchange.validation.findings import Finding, file_error
from exchange.validation.prolog import Prolog, read_prolog
from exchange.validation.source import DEFAULT_CHUNK_SIZE, Source, iter_chunks


@dataclass(frozen=True)
class Detection:
    spec: FormatSpec | None
    root_tag: str | None = None
    version: str | None = None
    finding: Finding | None = None

    @property
    def namespace(self) -> str | None:
        return split_tag(self.root_tag)[0] if self.root_tag else None

    @property
    def recognised(self) -> bool:
        return self.spec is not None and self.finding is None


def detect(source: Source, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Detection:
    """Detect the format of a file given as bytes, a path, a binary stream or chunks."""
    return detect_prolog(read_prolog(iter_chunks(source, chunk_size)))


def detect_prolog(prolog: Prolog) -> Detection:
    if prolog.finding is not None or prolog.root_tag is None:
        return Detection(spec=None, finding=prolog.finding)
    namespace, local = split_tag(prolog.root_tag)
    found = Detection(spec=None, root_tag=prolog.root_tag, version=prolog.version)
    spec = registry.find(namespace, local)
    if spec is None:
        return _refused(found, _unknown_root(namespace, local), prolog.line)
    if prolog.version is not None and not spec.matches_version(prolog.version):
        message = (
            f"the root's version attribute says {prolog.version!r} but its namespace {namespace} "
            f"is {spec.label}"
        )
        return _refused(found, message, prolog.line)
    return Detection(spec=spec, root_tag=prolog.root_tag, version=prolog.version)


def split_tag(tag: str) -> tuple[str, str]:
    """`{namespace}local` into its two parts; the namespace is "" for an unqualified name."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _unknown_root(namespace: str, local: str) -> str:
    if same_namespace := registry.by_namespace(namespace):
        expected = " or ".join(spec.root for spec in same_namespace)
        return f"the root element is {local}, but namespace {namespace} expects {expected}"
    known = ", ".join(sorted({spec.namespace for spec in registry.registered()}))
    where = f"namespace {namespace}" if namespace else "no namespace"
    return f"unknown format: root element {local} in {where}; this product reads {known}"


def _refused(found: Detection, message: str, line: int | None) -> Detection:
    return Detection(
        spec=None,
        root_tag=found.root_tag,
        version=found.version,
        finding=file_error(
            safety.NOT_VALID, message, line=line, path=f"/{split_tag(found.root_tag or '')[1]}"
        ),
    )
