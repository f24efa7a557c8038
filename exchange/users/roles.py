"""The console's roles: what each kind of person may see and do.

Least privilege decides the split: operators keep files flowing and never see taxpayers; analysts see
flags with their personal data (every view audited); auditors read the trail of who saw what; the admin
runs the installation (users, and the operators' pages) but sees no personal data and cannot read the
trail of the people it manages.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"
