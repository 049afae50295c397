"""The privacy guard: what it holds back, what it lets through, and what it says."""

from __future__ import annotations

import pytest

from server.services.privacy import nhs_number_valid, screen


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Mrs B's NHS number is 943 476 5919", "looks like an NHS number"),
        ("9434765919", "looks like an NHS number"),
        ("943-476-5919 on the chart", "looks like an NHS number"),
        ("ring her son on 07700 900123", "looks like a phone number"),
        ("+44 7700 900123", "looks like a phone number"),
        ("+44 (0)161 496 0000", "looks like a phone number"),
        ("the home is on 0161 496 0000", "looks like a phone number"),
        ("(0161) 496 0000", "looks like a phone number"),
        ("write to jo.bloggs@example.org", "looks like an email address"),
        ("she lives near M1 1AE", "looks like a postcode"),
        ("SW1A 1AA", "looks like a postcode"),
        ("cr2 6xh, typed on a phone", "looks like a postcode"),
        ("CR26XH", "looks like a postcode"),
        ("943 476 5919, M1 1AE", "looks like an NHS number and a postcode"),
        (
            "07700 900123 or jo@example.org near M1 1AE",
            "looks like a phone number, an email address and a postcode",
        ),
    ],
)
def test_personal_data_is_held_with_a_reason(text: str, reason: str) -> None:
    assert screen(text) == reason


@pytest.mark.parametrize(
    "text",
    [
        "943 476 5910",  # the right shape, the wrong check digit
        "1234567890",  # ten digits failing the modulus-11 check
        "In 2026 we want every home rated good",
        "Room 12 has the best garden",
        "Handover at 09:30 on 01/02/2026 went smoothly",
        "We trained 30 staff in 12 homes",
        "ref 12345678901",
        "Safe, effective, caring, responsive, well-led",
        "",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert screen(text) == ""


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
