"""The privacy guard: text that looks like personal data is held back for a facilitator.

Attendees write about care homes and their residents, and cards can reach public pages. The
guard errs on the side of holding: a false alarm costs a facilitator one click, a leak cannot be
undone. It looks for NHS numbers (checked with their modulus-11 digit, so a long count or a
reference number does not trip it), UK phone numbers (read by `phonenumbers`, Google's
libphonenumber), email addresses and UK postcodes.

It reads text the way a person does: before matching, the text is put in Unicode NFKC form
(fullwidth digits and at signs become ASCII), any script's digits read as digits, invisible
format characters are dropped, as are the marks a phone hangs on a digit (the keycap of 9️⃣, a
variation selector, a combining accent), and every kind of space, dash, dot, slash and line
break between two digits counts as one separator. Digits spelled out in a run of at least
four ("nine four three, four seven six…", "oh seven seven double oh") read as digits. Times and
dates are masked first, so that `10:30 on 12/03/2025` never adds up to a number. A comma
between digits is not a separator: it is how counts are written ("1,200") and lists ("rooms 1,
2, 3"), and lists would add up to ten digits that pass the check one time in eleven.

It also holds what names a resident: a person named with a title ("Mrs Doris Green", "Mr Patel",
"Miss Ada B"), a room or bed number tied to a person ("Doris in room 12", "the lady in bed 4",
"room 12's resident") and a date of birth ("DOB 12/03/1941", "born 3 March 1941", a full date
before 1960, "born" and a year before 1970). A room number on its own ("Breakout in room 12")
is the day's furniture and passes.
A title and a name are held even when they name a speaker ("Dr Patel's talk was great"): the
guard cannot tell a speaker from a resident, a false alarm costs one click, and a leak cannot be
undone. A given name counts as a person before "in room 12" unless it is one of the ordinary
words an event sentence starts with (`NOT_A_NAME`).
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

from server.errors import GlimpseError

# Characters people (or their phones) put between the digits of one number.
SEPARATOR_CHARS = (
    " \n\r.\\-/()_\u00b7\u2010-\u2015\u2022\u2043\u2212\u2215\u2044\u2027\u3002\u30fb\uff0d"
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
DIGIT_WORDS = {
    "zero": "0", "oh": "0", "nought": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
SPELLED = rf"(?:(?:double|triple)[ -])?(?:{'|'.join(DIGIT_WORDS)}|\d+)"
# Four or more digits or digit words in a row ("nine four three", "oh seven seven double oh").
SPELLED_RUN = re.compile(rf"\b{SPELLED}(?:[ \n\r,.-]{{1,3}}{SPELLED}){{3,}}\b", re.IGNORECASE)
SPELLED_TOKEN = re.compile(rf"\b(?:(double|triple)[ -])?({'|'.join(DIGIT_WORDS)}|\d+)\b", re.I)
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
# A person named with a title: "Mrs Doris Green", "Mr. Patel", "Miss Ada B", "mrs green".
TITLED_NAME = re.compile(
    r"\b(?:(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Professor|Rev|Revd|Sir|Dame|Lady|Lord)\.?\s{1,3}[A-Z]"
    r"|(?:mr|mrs|mx|Mr|Mrs)\.?\s{1,3}[a-z]{2}|(?:MR|MRS)\.?\s{1,3}[A-Za-z])"
)
ROOM = r"(?:room|bed|bedroom|rm)\.?\s{0,2}(?:no\.?\s{0,2})?\d{1,4}[a-z]?\b"
PERSON = (
    r"(?:lady|gentleman|gent|man|woman|chap|resident|patient|service user|client|husband|wife"
    r"|mum|mother|dad|father|gran|nan|nanna|grandma|grandad|grandmother|grandfather|he|she|him"
    r"|her)"
)
BEFORE_ROOM = (
    r"(?:'s|\u2019s)?(?:\s{1,3}(?:is|was|who is|now))?\s{1,3}(?:in|from|of|at|into)\s{1,3}"
)
# "the lady in bed 4", "room 12's resident", "bed 4 gentleman", "she is in room 7".
ROOM_OF_PERSON = re.compile(
    rf"\b{PERSON}{BEFORE_ROOM}{ROOM}|\b{ROOM}(?:'s|\u2019s|\s{{1,3}}{PERSON}\b)",
    re.IGNORECASE,
)
# "Doris in room 12": a capitalised word before the room, unless it is an ordinary word.
NAME_IN_ROOM = re.compile(rf"\b([A-Z][a-z'\u2019-]{{1,30}}){BEFORE_ROOM}(?i:{ROOM})")
ORDINARY_WORDS = (
    "breakout breakouts meet meeting lunch tea coffee drinks session sessions workshop training"
    " group groups table tables everyone everybody we us all staff team teams activities"
    " refreshments registration posters poster display exhibition feedback handover huddle"
    " huddles break discussion demo resources slides bingo music quiz film films also then back"
    " later still now today tomorrow photos chairs toilets parking lockers wifi stand stands"
    " stall stalls lounge lounges carpet furniture windows lights heating equipment hoist"
    " sensory menus menu food cake cakes singing yoga chair painting crafts reading storytime"
    " visitors families relatives volunteers managers nurses carers seniors leaders chat chats"
    " panel talk talks keynote plenary networking welcome intro introductions launch survey"
    " audit audits cleaning repairs decorating refurbishment works work inspection"
    " interviews interview induction supervision appraisals rota rotas wellbeing games quizzes"
    " there here things it this that these those they them you i our your their"
)
NOT_A_NAME = frozenset(ORDINARY_WORDS.split())
MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# "DOB", "d.o.b.", "date of birth", "born 3 March 1941", and any full date before 1960.
DATE_OF_BIRTH = re.compile(
    r"\bd\.?\s?o\.?\s?b\b|\bdate\s{1,3}of\s{1,3}birth\b|\bbirth\s?date\b"
    r"|\bborn\b[^.\n]{0,30}?\b(?:1[89]\d|19[0-6])\d\b"
    r"|(?<![\d./-])\d{1,2}[/.-]\d{1,2}[/.-](?:1[89]\d{2}|19[0-5]\d)(?!\d)"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s{{1,3}}(?:of\s{{1,3}})?{MONTHS}\.?,?\s{{1,3}}(?:1[89]\d{{2}}|19[0-5]\d)\b",
    re.IGNORECASE,
)
# UK national significant numbers have 9 or 10 digits; a dialled one starts 0, +44 or 0044.
UK_LENGTHS = (9, 10)


def normalise(text: str) -> str:
    """The text as a person reads it: NFKC, no format characters, one kind of space and dash."""
    text = unicodedata.normalize("NFKC", text)
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        # A mark on a digit (the keycap of 9️⃣, a variation selector) is no part of the number.
        if category == "Cf" or (category in ("Mn", "Me") and kept and kept[-1].isdigit()):
            continue
        kept.append(_digit(char))
    return SPACES.sub(" ", DASHES.sub("-", "".join(kept)))


def _digit(char: str) -> str:
    # Any script's digits (Arabic-Indic, Devanagari, ...) read as the digit they are.
    return str(unicodedata.digit(char)) if char.isdigit() and not char.isascii() else char


def _numbers(text: str) -> str:
    """Times and dates masked, and the separators inside a run of digits made one space; then,
    if it has digits spelled out, the same again with them read as digits (added, not in
    place, so that "9 one digit at a time" still reads as the number it ends)."""
    text = DATE.sub(MASK, TIME.sub(MASK, text))
    spelled = SPELLED_RUN.sub(_spelled, text)
    both = text if spelled == text else f"{text}{MASK}{spelled}"
    return SEPARATED_DIGITS.sub(" ", both)


def _spelled(run: re.Match[str]) -> str:
    """A run with a digit word in it as digits, one space apart; a run of figures as it was."""
    tokens = SPELLED_TOKEN.findall(run.group())
    if all(word.isdigit() for _, word in tokens):
        return run.group()
    times = {"double": 2, "triple": 3, "": 1}
    return " ".join(DIGIT_WORDS.get(w.lower(), w) * times[t.lower()] for t, w in tokens)


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


def _has_titled_name(text: str) -> bool:
    return TITLED_NAME.search(text) is not None


def _has_room_of_person(text: str) -> bool:
    return ROOM_OF_PERSON.search(text) is not None


def _has_name_in_room(text: str) -> bool:
    return any(m.group(1).lower() not in NOT_A_NAME for m in NAME_IN_ROOM.finditer(text))


def _has_date_of_birth(text: str) -> bool:
    return DATE_OF_BIRTH.search(text) is not None


TITLED, ROOMED = "a person's name with a title", "a resident's room or bed"
# Said together, the two read as what they are.
BOTH = "a resident's name and room"


def findings(text: str) -> list[str]:
    """What the text looks like it has in it: ["an NHS number", "a postcode"], or []."""
    readable = normalise(text)
    numbers = _numbers(readable)
    found = [
        name
        for name, check, subject in (
            (TITLED, _has_titled_name, readable),
            (ROOMED, _has_room_of_person, readable),
            (BOTH, _has_name_in_room, readable),
            ("a date of birth", _has_date_of_birth, readable),
            ("an NHS number", _has_nhs_number, numbers),
            ("a phone number", _has_phone, numbers),
            ("an email address", _has_email, readable),
            ("a postcode", _has_postcode, readable),
        )
        if check(subject)
    ]
    if BOTH in found or (TITLED in found and ROOMED in found):
        found = [BOTH, *(name for name in found if name not in (TITLED, ROOMED, BOTH))]
    return found


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
        seen = (
            "has a title in it (like Mrs or Dr), which could name a resident"
            if found == [TITLED]
            else f"looks like it has {_listed(found)} in it"
        )
        raise LooksPersonal(
            f"Your {what} {seen}. {advice}: it is shown next to what you post.",
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
