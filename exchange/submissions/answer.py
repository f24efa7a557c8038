"""The answer to a domestic institution: the CRS status message of its file, signed with our key.

Not encrypted: an institution has no certificate registered with us as a partner has, and the channel
it reads (`exchange.submissions.answers`, keyed by the institution) is the home network's. The signature
(enveloping, as in a CTS payload) lets it show that the verdict is ours. Built inside the store's
transaction like a partner's answer, so a redelivered submission is answered with the same bytes.
"""

from __future__ import annotations

import io

from crypto.dsig_sign import sign_enveloping
from crypto.keyring import Keyring
from exchange.pipeline.answer import payload_kb, verdict_status_document
from exchange.settings import Settings
from exchange.status import OriginalMessage
from exchange.store import StatusDraft, Verdict


class SubmissionAnswer:
    """A `StatusBuilder` for a submission: the verdict in, the signed status message out."""

    def __init__(self, settings: Settings, keyring: Keyring, sender_file_id: str) -> None:
        self.settings = settings
        self.keyring = keyring
        self.sender_file_id = sender_file_id

    def __call__(self, verdict: Verdict) -> StatusDraft:
        home = self.settings.home_jurisdiction
        header = verdict.header
        original = OriginalMessage(
            message_ref_id=header.message_ref_id if header and header.message_ref_id else self.sender_file_id,
            sender=home,
            uncompressed_size_kb=payload_kb(verdict),
        )
        message_ref_id, document = verdict_status_document(verdict, home, original)
        return StatusDraft(
            message_ref_id=message_ref_id, content=signed_for_institution(self.keyring, home, document)
        )


def signed_for_institution(keyring: Keyring, home: str, document: bytes) -> bytes:
    """A status message for a domestic institution, signed enveloping with our key (not encrypted)."""
    pair = keyring.signing_pair(home)
    assert pair.certificate is not None  # signing_pair only returns a pair with a valid certificate
    signed = io.BytesIO()
    sign_enveloping(io.BytesIO(document), signed, pair.private_key, pair.certificate)
    return signed.getvalue()
