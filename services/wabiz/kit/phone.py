"""Phone numbers: any dialable input normalised to the digits of a wa_id.

Only ASCII digits count. Python's `\\d` and `str.isdigit` also accept other scripts' digits
(`+١٦٣١٥٥٥١١٨١`), which no network routes and which would slip past every check done on the
ASCII form (the business's own number, known-invalid recipients) and hash to another shard.
"""

from __future__ import annotations

import re

_DIALABLE = re.compile(r"^\+?[0-9\s().\-]+$", re.ASCII)


def normalize(number: str) -> str | None:
    """Digits of a dialable number (`+1 631-555-1181` → `16315551181`), None when not dialable."""
    if not _DIALABLE.match(number.strip()):
        return None
    digits = re.sub(r"[^0-9]", "", number)
    return digits or None


def is_plausible_wa_id(digits: str) -> bool:
    """E.164 allows at most 15 digits; shorter than 8 is no mobile number anywhere."""
    return digits.isascii() and digits.isdigit() and 8 <= len(digits) <= 15
