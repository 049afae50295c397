"""The privacy guard: text that looks like personal data is held back for a facilitator.

Attendees write about care homes and their residents, and cards can reach public pages. The
guard errs on the side of holding: a false alarm costs a facilitator one click, a leak cannot be
undone. It looks for NHS numbers (checked with their modulus-11 digit, so a long count or a
reference number does not trip it), UK phone numbers (read by `phonenumbers`, Google's
libphonenumber), email addresses and UK postcodes.

It reads text the way a person does: before matching, the text is put in Unicode NFKC form
(fullwidth digits and at signs become ASCII), invisible format characters are dropped, and
every kind of space, dash, dot and slash between two digits counts as one separator. Times and
dates are masked first, so that `10:30 on 12/03/2025` never adds up to a number.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from server.errors import GlimpseError

# Characters people (or their phones) put between the digits of one number.
SEPARATOR_CHARS = (
    " .\\-/()_\u00b7\u2010-\u2015\u2022\u2043\u2212\u2215\u2044\u2027\u3002\u30fb\uff0d"
)
SEPARATED_DIGITS = re.compile(rf"(?<=\d)[{SEPARATOR_CHARS}]{{1,4}}(?=\d)")
DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
SPACES = re.compile(r"[^\S\n]+")
# A time (10:30, 9.15am) or a date (12/03/2025, 2025-03-12, 12.03.25) is never part of a number.
TIME = re.compile(r"(?<![\d.])\d{1,2}(?::\d{2}){1,2}(?!\d)|(?<![\d.])\d{1,2}\.\d{2} ?[ap]m\b", re.I)
DATE = re.compile(
    r"(?<![\d./-])(?:\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})|\d{4}([/.-])\d{1,2}\2\d{1,2})(?![\d])"
)
MASK = " § "
NHS_RUN = re.compile(r"\d+(?: \d+)*")
# Parts bounded as RFC 5321 bounds them (64 characters before the @, 63 a label), which also
# keeps a search over a long run of letters linear.
EMAIL = re.compile(
    r"[\w.+-]{1,64}(?:@| @ |\s*[\[(]\s*at\s*[\])]\s*)[\w-]{1,63}"
    r"(?:(?:\.|\s*[\[(]\s*dot\s*[\])]\s*)[\w-]{1,63})*"
    r"(?:\.|\s*[\[(]\s*dot\s*[\])]\s*)[a-z]{2,}\b",
    re.IGNORECASE,
)
# The Royal Mail pattern: outward code (SW1A, M1, CR2, GIR), a separator or none, inward code.
POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR)[ .-]{0,3}(\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE
)
# "B2 1st floor", "Y6 2nd year": an ordinal in lower case is not an inward code.
ORDINAL = re.compile(r"\d(?:st|nd|rd|th)")
# UK national significant numbers have 9 or 10 digits; a dialled one starts 0, +44 or 0044.
UK_LENGTHS = (9, 10)


def normalise(text: str) -> str:
    """The text as a person reads it: NFKC, no format characters, one kind of space and dash."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_digit(c) for c in text if unicodedata.category(c) != "Cf")
    return SPACES.sub(" ", DASHES.sub("-", text))


def _digit(char: str) -> str:
    # Any script's digits (Arabic-Indic, Devanagari, ...) read as the digit they are.
    return str(unicodedata.digit(char)) if char.isdigit() and not char.isascii() else char


def _numbers(text: str) -> str:
    """Times and dates masked, and the separators inside a run of digits made one space."""
    text = DATE.sub(MASK, TIME.sub(MASK, text))
    return SEPARATED_DIGITS.sub(" ", text)


def nhs_number_valid(digits: str) -> bool:
    """The NHS modulus-11 check: weights 10..2, and a check digit of 10 is never issued."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _has_nhs_number(numbers: str) -> bool:
    """Any run of groups of digits adding up to ten digits that pass the check (943 476 5919)."""
    for run in NHS_RUN.finditer(numbers):
        groups = run.group().split(" ")
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) >= 10:
                    break
            if nhs_number_valid(digits):
                return True
    return False


def _has_phone(numbers: str) -> bool:
    matcher = phonenumbers.PhoneNumberMatcher(
        numbers, "GB", leniency=phonenumbers.Leniency.POSSIBLE
    )
    return any(_dialled(match) for match in matcher)


def _dialled(match: phonenumbers.PhoneNumberMatch) -> bool:
    """A number as someone would dial it: a UK one with its 0 or +44, or any valid one with +."""
    number, raw = match.number, match.raw_string.lstrip("(")
    international = raw.startswith(("+", "00"))
    if number.country_code != 44:
        return international and phonenumbers.is_valid_number(number)
    if not (international or raw.startswith("0")):
        return False
    national = phonenumbers.national_significant_number(number)
    return phonenumbers.is_valid_number(number) or len(national) == max(UK_LENGTHS)


def _has_email(text: str) -> bool:
    return EMAIL.search(text) is not None


def _has_postcode(text: str) -> bool:
    return any(not ORDINAL.fullmatch(m.group(1)) for m in POSTCODE.finditer(text))


def findings(text: str) -> list[str]:
    """What the text looks like it has in it: ["an NHS number", "a postcode"], or []."""
    readable = normalise(text)
    numbers = _numbers(readable)
    return [
        name
        for name, check, subject in (
            ("an NHS number", _has_nhs_number, numbers),
            ("a phone number", _has_phone, numbers),
            ("an email address", _has_email, readable),
            ("a postcode", _has_postcode, readable),
        )
        if check(subject)
    ]


def _listed(found: list[str]) -> str:
    return found[0] if len(found) == 1 else f"{', '.join(found[:-1])} and {found[-1]}"


def screen(text: str) -> str:
    """Why this text must be held ("looks like an NHS number and a postcode"), or ""."""
    found = findings(text)
    return f"looks like {_listed(found)}" if found else ""


class LooksPersonal(GlimpseError):
    """Text that must not be published as it is: 422 `looks_personal`, saying what was seen."""

    status, code = 422, "looks_personal"


ADVICE = {
    "display_name": ("name", "Use just your first name, or leave it empty"),
    "organisation": ("organisation", "Use just the name of your home or organisation"),
}


def check_name(name: str, *, field: str = "display_name") -> None:
    """Refuse a display name (or organisation) that looks like personal data, in plain words."""
    found = findings(name)
    if found:
        what, advice = ADVICE[field]
        raise LooksPersonal(
            f"Your {what} looks like it has {_listed(found)} in it. {advice}: "
            "it is shown next to what you post.",
            details={"field": field, "found": found},
        )


def check_entry(body: str, *, confirmed: bool) -> None:
    """Refuse an entry that looks like personal data unless publishing it is deliberate."""
    found = findings(body)
    if found and not confirmed:
        raise LooksPersonal(
            f"This entry {screen(body)}. Check it before it goes public, or publish it anyway "
            "if it is meant to be seen.",
            details={"found": found, "confirm_with": "confirm_personal"},
        )
