"""The audit trail: who did or saw what, when, with which filters, and how much it touched.

One table for every kind of user: analysts' queries of personal data (`flags.list`, `flags.show`,
`flags.study`, ...) and operators' actions on what the product holds (`dlq.redrive`, `dlq.discard`,
`answers.resend`, ...). Auditors read it with `exchange audit`.
"""

from exchange.audit.trail import (
    ANALYST_ENV,
    OPERATOR_ENV,
    AuditEntry,
    AuditFilter,
    current_user,
    read_trail,
    record,
)

__all__ = [
    "ANALYST_ENV",
    "OPERATOR_ENV",
    "AuditEntry",
    "AuditFilter",
    "current_user",
    "read_trail",
    "record",
]
