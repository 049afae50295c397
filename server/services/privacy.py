"""The privacy guard: text that looks like personal data is held back for a facilitator.

Attendees write about care homes and their residents, and cards can reach public pages. The
guard errs on the side of holding: a false alarm costs a facilitator one click, a leak cannot be
undone. It looks for NHS numbers (checked with their modulus-11 digit, so a long count or a
reference number does not trip it), UK phone numbers, email addresses and UK postcodes.
"""

from __future__ import annotations

import re

# Ten digits, a single space or dash allowed between any two of them, no digit either side.
NHS_NUMBER = re.compile(r"(?<!\d)\d(?:[ -]?\d){9}(?!\d)")
# 0 or +44 (maybe "+44 (0)"), then a national number of 9 or 10 digits, as people space it.
PHONE = re.compile(
    r"(?<![\d+])(?:\+44[ -]?(?:\(0\)[ -]?)?|\(?0)[1-9]\d{1,4}\)?(?:[ -]?\d){6,8}(?!\d)"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The Royal Mail pattern: outward code (SW1A, M1, CR2, GIR), an optional space, inward code.
POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE
)


def nhs_number_valid(digits: str) -> bool:
    """The NHS modulus-11 check: weights 10..2, and a check digit of 10 is never issued."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _has_nhs_number(text: str) -> bool:
    return any(nhs_number_valid(re.sub(r"\D", "", m.group())) for m in NHS_NUMBER.finditer(text))


def _has_phone(text: str) -> bool:
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        national = digits[2:].removeprefix("0") if match.group().startswith("+") else digits[1:]
        if len(national) in (9, 10):
            return True
    return False


CHECKS = (
    ("an NHS number", _has_nhs_number),
    ("a phone number", _has_phone),
    ("an email address", lambda text: EMAIL.search(text) is not None),
    ("a postcode", lambda text: POSTCODE.search(text) is not None),
)


def screen(text: str) -> str:
    """Why this text must be held ("looks like an NHS number and a postcode"), or ""."""
    found = [name for name, check in CHECKS if check(text)]
    if not found:
        return ""
    listed = found[0] if len(found) == 1 else f"{', '.join(found[:-1])} and {found[-1]}"
    return f"looks like {listed}"
