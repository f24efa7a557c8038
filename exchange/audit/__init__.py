"""The audit trail: who did or saw what, when, with which filters, and how much it touched.

One table for every kind of user: analysts' queries of personal data (`flags.list`, `flags.show`,
`flags.study`, ...) and operators' actions on what the product holds (`dlq.redrive`, `dlq.discard`,
`answers.resend`, ...). Auditors read it with `exchange audit`, which is itself recorded (`audit.read`).
"""

from exchange.audit.trail import (
    ANALYST_ENV,
    AUDITOR_ENV,
    OPERATOR_ENV,
    AuditedAct,
    AuditEntry,
    AuditFilter,
    audited,
    current_user,
    read_trail,
    record,
)

__all__ = [
    "ANALYST_ENV",
    "AUDITOR_ENV",
    "OPERATOR_ENV",
    "AuditEntry",
    "AuditFilter",
    "AuditedAct",
    "audited",
    "current_user",
    "read_trail",
    "record",
]
