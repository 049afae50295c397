"""The privacy guard: what it holds back, what it lets through, and what it says.

The two corpora in tests/data/ are the guard's contract: every line of privacy_held.txt is held
and every line of privacy_pass.txt passes. `python -m bench --only privacy` prints the rates.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.services.privacy import nhs_number_valid, normalise, screen

DATA = Path(__file__).parent.parent / "data"


def corpus(name: str) -> list[str]:
    """The lines of tests/data/privacy_{name}.txt that are not comments or blank."""
    text = (DATA / f"privacy_{name}.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_corpora_are_large_enough_to_mean_something() -> None:
    assert len(corpus("held")) >= 100
    assert len(corpus("pass")) >= 100


@pytest.mark.parametrize("text", corpus("held"))
def test_every_held_line_is_held(text: str) -> None:
    assert screen(text).startswith("looks like ")


@pytest.mark.parametrize("text", corpus("pass"))
def test_every_pass_line_passes(text: str) -> None:
    assert screen(text) == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Her NHS number is 943 476 5919", "looks like an NHS number"),
        ("Mrs Doris Green in room 12 had a fall", "looks like a resident's name and room"),
        ("Doris in room 12 had a fall", "looks like a resident's name and room"),
        ("the lady in bed 4 was calling out", "looks like a resident's room or bed"),
        ("Dr Patel's talk was great", "looks like a person's name with a title"),
        ("DOB 12/03/1941", "looks like a date of birth"),
        (
            "Mr Patel, born 3 March 1941, NHS 943 476 5919",
            "looks like a person's name with a title, a date of birth and an NHS number",
        ),
        ("ring her son on 07700 900123", "looks like a phone number"),
        ("0044 7700 900123", "looks like a phone number"),
        ("write to jo.bloggs@example.org", "looks like an email address"),
        ("jane \uff20 example.org", "looks like an email address"),
        ("she lives near M50-3AB", "looks like a postcode"),
        ("943 476 5919, M1 1AE", "looks like an NHS number and a postcode"),
        (
            "07700 900123 or jo@example.org near M1 1AE",
            "looks like a phone number, an email address and a postcode",
        ),
    ],
)
def test_the_reason_names_what_was_found(text: str, reason: str) -> None:
    assert screen(text) == reason


@pytest.mark.parametrize(
    "text",
    [
        "NHS 999 141\n9314",  # broken over two lines
        "999 141\r\n9314",
        "nine nine nine\none four one\nnine three one four",
    ],
)
def test_a_number_broken_over_lines_is_still_held(text: str) -> None:
    assert screen(text) == "looks like an NHS number"


@pytest.mark.parametrize(
    "text",
    [
        "1, 2, 3, 4, 5, 6, 7, 8, 9, 10",  # a list, which may pass the check by chance
        "999,141,9314",  # a comma is how counts are written, never an NHS number's separator
        "one two three four five six seven eight nine ten",
    ],
)
def test_commas_and_counting_do_not_add_up_to_a_number(text: str) -> None:
    assert screen(text) == ""


def test_an_empty_text_passes() -> None:
    assert screen("") == ""


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("\uff10\uff17\uff17\uff10\uff10\u00a0\uff19\uff10\uff10", "07700 900"),  # fullwidth
        ("07700\u200b900\u2009123", "07700900 123"),  # zero-width goes, thin is a space
        ("jane\uff20example.org", "jane@example.org"),
        ("M50\u2013\u20143AB", "M50--3AB"),  # every dash is one kind of dash
        ("\u0660\u0667\u0667\u0660\u0660", "07700"),  # Arabic-Indic digits read as digits
        ("9\ufe0f\u20e34\ufe0f\u20e3", "94"),  # a keycap emoji is its digit
        ("9\u03034", "94"),  # a combining mark on a digit goes
        ("caf\u00e9 e\u0301", "caf\u00e9 \u00e9"),  # on a letter it stays (NFKC composes it)
    ],
)
def test_text_is_read_as_a_person_reads_it(written: str, read: str) -> None:
    assert normalise(written) == read


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("9434765919", True),
        ("9434765910", False),
        ("4010232137", True),
        ("4010232138", False),
        ("1234567890", False),  # its check digit would be 10, which is never issued
        ("943476591", False),
        ("94347659190", False),
        ("94347659a9", False),
    ],
)
def test_nhs_modulus_11(digits: str, valid: bool) -> None:
    assert nhs_number_valid(digits) is valid
