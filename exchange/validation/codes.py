"""The OECD status-message error codes this product raises itself (FACTS.md §3).

File-level codes are 5xxxx: any one of them rejects the whole file. Record-level codes (6xxxx, 8xxxx) are
added by the business rules.
"""

from __future__ import annotations

from enum import IntEnum


class FileErrorCode(IntEnum):
    FAILED_DOWNLOAD = 50001
    FAILED_DECRYPTION = 50002
    FAILED_DECOMPRESSION = 50003
    FAILED_SIGNATURE_CHECK = 50004
    FAILED_THREAT_SCAN = 50005
    FAILED_VIRUS_SCAN = 50006
    FAILED_SCHEMA_VALIDATION = 50007
    MESSAGE_REF_ID_FORMAT = 50008
    MESSAGE_REF_ID_REUSED = 50009
    TEST_DATA_IN_PRODUCTION = 50010
    PRODUCTION_DATA_IN_TEST = 50011
    WRONG_RECEIVING_JURISDICTION = 50012
    INCORRECT_KEY_SIZE = 50013


FILE_CODES = range(50000, 60000)
RECORD_CODES = range(60000, 98000)
EITHER_LEVEL_CODES = range(98000, 100000)  # 98xxx domestic use, 99999 custom: the raiser says which level


DOC_REF_ID_REUSED = 80000
CORR_DOC_REF_ID_UNKNOWN = 80002
CORR_DOC_REF_ID_NOT_CURRENT = 80003
CORR_DOC_REF_ID_MISSING = 80005
RESEND_NOT_FOR_THIS_RECORD = 80008
RESEND_UNKNOWN = 80013
RESEND_NOT_CURRENT = 80014

# The record-level codes after which a record cannot enter its chain, whoever found them (the rules or
# the store): the store refuses the record and the engine knows the chain did not move.
REFUSING_CODES = frozenset(
    {
        DOC_REF_ID_REUSED,
        CORR_DOC_REF_ID_UNKNOWN,
        CORR_DOC_REF_ID_NOT_CURRENT,
        CORR_DOC_REF_ID_MISSING,
        RESEND_NOT_FOR_THIS_RECORD,
        80011,  # the same DocRefId corrected or deleted twice in one message
        RESEND_UNKNOWN,
        RESEND_NOT_CURRENT,
    }
)
