"""When a file we sent may be sent again as a new packet (`exchange outbound resend`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# A partner whose answer carries one of these could not open the file (its decryption, signature,
# compression or schema failed: CTS file errors 50001-50013), so the same document in a new packet is
# what it needs. A partner that opened the file needs a correction instead: resending would only give it
# the same records twice.
UNOPENED_FILE_ERRORS = range(50001, 50014)


def resend_due(answers: Sequence[dict[str, Any]]) -> bool:
    """Whether the partner's latest answer (`answers` oldest first) says it could not open the file."""
    return bool(answers) and any(code in UNOPENED_FILE_ERRORS for code in answers[-1]["file_errors"])
