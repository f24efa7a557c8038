"""The business rules of the exchange standards (FACTS.md §3): declarations, registry and engine.

Families: `message` (50004 for the sender, 50008-50012), `crs_accounts` (60000-60016), `crs_v3`
(60017-60023), `corrections` (80000-80015) and `domestic` (98001-98002, where the OECD has no code).
Every rule is one declaration (`declarations.Rule`) with its code, level, sentence, reference and formats;
`registry.RULES` holds them all. The store's History (`store_history.StoreHistory`) is imported from its
module: validating a file alone loads no database code.

Left out, as the receiver cannot decide them here: 50001-50007 and 50013 (found while the packet is
opened and parsed, before any record exists: exchange.validation and crypto; 50004 is also the rule that
the document's sender is the one who signed it); 90000-90002 (TIN checks: whether a foreign TIN is valid
is for its issuing jurisdiction's rules, and the status message reserves these codes to them); the other
98xxx codes (domestic use) and 99999 (custom).
"""

from __future__ import annotations

from exchange.validation.rules.context import ReceiverProfile, RuleContext
from exchange.validation.rules.declarations import Problem, Rule
from exchange.validation.rules.engine import DEFAULT_CHUNK_SIZE, RuleEngine
from exchange.validation.rules.history import History, KnownDoc, MemoryHistory
from exchange.validation.rules.registry import RULES, by_code

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "RULES",
    "History",
    "KnownDoc",
    "MemoryHistory",
    "Problem",
    "ReceiverProfile",
    "Rule",
    "RuleContext",
    "RuleEngine",
    "by_code",
]
