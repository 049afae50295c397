"""Markdown to safe HTML: what survives and what does not."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from server.lib.markdown import render


def test_links_get_nofollow_and_scripts_do_not_survive() -> None:
    tree = LexborHTMLParser(
        render("[site](https://example.org) <script>alert(1)</script> [x](javascript:alert(1))")
    )
    links = tree.css("a")
    assert [a.attributes.get("rel") for a in links] == ["nofollow noopener"]
    assert tree.css("script") == []


def test_only_our_own_pictures_keep_their_source() -> None:
    tree = LexborHTMLParser(render("![tracker](https://t.example/p.gif) ![ours](/media/abc.webp)"))
    sources = [img.attributes.get("src") for img in tree.css("img")]
    assert sources == [None, "/media/abc.webp"]
