"""Hostile input for the safety tests, and the check that nothing in a page became active."""

from __future__ import annotations

import re
from pathlib import Path

from selectolax.lexbor import LexborNode

XSS = [
    block
    for block in (Path(__file__).parent / "data" / "xss.txt").read_text().split("\n%%\n")
    if not block.startswith("#")
]
# Nothing user-written may turn into any of these, anywhere.
NEVER_IN_CONTENT = (
    "script, style, iframe, frame, frameset, object, embed, applet, base, link, meta, form, "
    "input, button, textarea, select, svg, math, video, audio, source, details, noscript, "
    "title, body, template"
)
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "background",
    "poster",
    "srcset",
    "lowsrc",
    "dynsrc",
    "cite",
}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data|livescript):", re.IGNORECASE)


def assert_attributes_inert(nodes: list[LexborNode], where: str) -> None:
    for node in nodes:
        for name, value in node.attributes.items():
            assert not name.lower().startswith("on"), f"{where}: {node.tag} has {name}"
            if name.lower() in URL_ATTRIBUTES and value:
                clean = re.sub(r"[\x00-\x20]", "", value)
                assert not BAD_SCHEME.match(clean), f"{where}: {node.tag} {name}={value!r}"
