"""The README documents what an operator can set."""

from __future__ import annotations

from pathlib import Path

from server.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [
        f"GLIMPSE_{name.upper()}"
        for name in Settings.model_fields
        if f"`GLIMPSE_{name.upper()}`" not in README
    ]
    assert missing == []


def test_readme_shows_the_two_commands_first() -> None:
    assert README.index("make run") < README.index("## Configuration")
    assert README.index("make test") < README.index("## Configuration")
