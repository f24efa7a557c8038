"""Claim checks: a large packet stays in a shared store and the Kafka record carries its reference.

The reference is JSON `{"uri": "file:///...", "sha256": "...", "size": N}`, marked by the record's
content-type header. The built-in store is a local or mounted directory; a reference outside it, a size
or digest that does not match, or a missing file is refused with a reason (the record goes to the DLQ).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from exchange.errors import ExchangeError

_CHUNK = 1024 * 1024


class ClaimCheckError(ExchangeError):
    """A claim-check reference that cannot be honoured."""


@dataclass(frozen=True)
class ClaimCheck:
    uri: str
    sha256: str
    size: int

    def to_json(self) -> bytes:
        return json.dumps({"uri": self.uri, "sha256": self.sha256, "size": self.size}).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> ClaimCheck:
        try:
            data = json.loads(raw)
            check = cls(uri=str(data["uri"]), sha256=str(data["sha256"]).lower(), size=int(data["size"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ClaimCheckError(f"malformed claim-check reference ({type(exc).__name__})") from None
        if len(check.sha256) != 64 or any(c not in "0123456789abcdef" for c in check.sha256):
            raise ClaimCheckError("claim-check sha256 is not a hex SHA-256 digest")
        return check


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def deposit(data: bytes, store: Path, suffix: str = ".zip") -> ClaimCheck:
    """Write `data` into the shared store (atomically, so a reader never sees half a file)."""
    store.mkdir(parents=True, exist_ok=True)
    sha256 = hashlib.sha256(data).hexdigest()
    target = store / f"{sha256}-{secrets.token_hex(4)}{suffix}"
    partial = target.with_suffix(target.suffix + ".partial")
    partial.write_bytes(data)
    partial.replace(target)
    return ClaimCheck(uri=target.resolve().as_uri(), sha256=sha256, size=len(data))


def redeem(check: ClaimCheck, store: Path, max_bytes: int) -> Path:
    """The local file a claim check points to, after checking place, size and digest."""
    parsed = urlparse(check.uri)
    if parsed.scheme != "file" or parsed.netloc not in {"", "localhost"}:
        raise ClaimCheckError(f"claim-check scheme {parsed.scheme!r} is not supported (file:// only)")
    path = Path(unquote(parsed.path)).resolve()
    root = store.resolve()
    if not path.is_relative_to(root):
        raise ClaimCheckError("claim-check reference points outside the configured claim-check store")
    if check.size > max_bytes:
        raise ClaimCheckError(f"claimed packet of {check.size} bytes exceeds the limit of {max_bytes}")
    if not path.is_file():
        raise ClaimCheckError("claim-check file not found in the store")
    if path.stat().st_size != check.size:
        raise ClaimCheckError("claim-check size does not match the file")
    if _sha256_of(path) != check.sha256:
        raise ClaimCheckError("claim-check SHA-256 does not match the file")
    return path
