"""The live blog for machines: an Atom feed with RFC 6721 tombstones, and schema.org JSON-LD."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

import nh3

from server.lib.timeutil import iso
from server.models.events import EventPublic
from server.models.liveblog import Entry
from server.models.programmes import Programme

ATOM = "http://www.w3.org/2005/Atom"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
ET.register_namespace("", ATOM)
ET.register_namespace("at", TOMBSTONES)
# Characters XML 1.0 cannot carry at all: a pasted control character must not break the feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
TITLE_LENGTH = 90


@dataclass(frozen=True)
class Blog:
    """Where a live blog lives: absolute URLs are built from these."""

    base_url: str
    programme: Programme
    event: EventPublic

    @property
    def url(self) -> str:
        return f"{self.base_url}/p/{self.programme.slug}/{self.event.slug}"

    def entry_url(self, entry_id: int) -> str:
        return f"{self.url}/e/{entry_id}"


def text_of(fragment: str) -> str:
    """The words of sanitised HTML, on one line."""
    return " ".join(html.unescape(nh3.clean(fragment, tags=set())).split())


def headline(entry: Entry) -> str:
    words = text_of(entry.html) or {"quote": "A quote", "key_moment": "A key moment"}.get(
        entry.kind, "An update"
    )
    return words if len(words) <= TITLE_LENGTH else words[: TITLE_LENGTH - 1].rstrip() + "…"


def content_html(entry: Entry) -> str:
    """What a reader sees of an entry: its HTML, the quote's source and any correction."""
    parts = [entry.html]
    if entry.kind == "quote" and entry.attribution:
        parts.append(f"<p>— {html.escape(entry.attribution)}</p>")
    if entry.correction_note:
        parts.append(f"<p><em>Correction: {html.escape(entry.correction_note)}</em></p>")
    return "\n".join(parts)


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    node.text = _NOT_XML.sub("", text)
    return node


def _link(parent: ET.Element, href: str, rel: str, type: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"rel": rel, "type": type, "href": href})


def atom(blog: Blog, *, entries: list[Entry], deleted: list[Entry], updated: datetime) -> bytes:
    """A valid Atom 1.0 document; deleted entries travel as at:deleted-entry tombstones."""
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}base": blog.url})
    _text(feed, "id", blog.url)
    _text(feed, "title", f"{blog.event.title}: live blog")
    _text(feed, "subtitle", blog.programme.title)
    _text(feed, "updated", iso(updated) or "")
    _link(feed, f"{blog.url}/feed.atom", "self", "application/atom+xml")
    _link(feed, blog.url, "alternate", "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", blog.programme.title)
    _text(feed, "generator", "Glimpse")
    for entry in entries:
        _entry(feed, blog, entry)
    for gone in deleted:
        tombstone = ET.SubElement(
            feed,
            f"{{{TOMBSTONES}}}deleted-entry",
            {"ref": blog.entry_url(gone.id), "when": iso(gone.deleted_at) or ""},
        )
        ET.SubElement(tombstone, f"{{{TOMBSTONES}}}comment").text = "This update was removed."
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _entry(feed: ET.Element, blog: Blog, entry: Entry) -> None:
    node = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(node, "id", blog.entry_url(entry.id))
    _text(node, "title", headline(entry))
    _link(node, f"{blog.entry_url(entry.id)}#entry-{entry.id}", "alternate", "text/html")
    _text(node, "published", iso(entry.created_at) or "")
    _text(node, "updated", iso(entry.updated_at) or "")
    ET.SubElement(node, f"{{{ATOM}}}category", {"term": entry.kind})
    _text(node, "content", content_html(entry), type="html")


def live_blog_jsonld(
    blog: Blog, *, entries: list[Entry], start: datetime | None, end: datetime | None
) -> str:
    """schema.org LiveBlogPosting, safe inside <script type="application/ld+json">."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "@id": blog.url,
        "url": blog.url,
        "headline": blog.event.title,
        "description": f"Live blog of {blog.event.title}, {blog.programme.title}",
        "about": {"@type": "Event", "name": blog.event.title, "startDate": iso(start)},
        "coverageStartTime": iso(start),
        "coverageEndTime": iso(end),
        "liveBlogUpdate": [_update(blog, e) for e in entries],
    }
    if blog.event.venue:
        data["about"]["location"] = {"@type": "Place", "name": blog.event.venue}
    return script_json({k: v for k, v in data.items() if v is not None})


def _update(blog: Blog, entry: Entry) -> dict[str, Any]:
    return {
        "@type": "BlogPosting",
        "@id": blog.entry_url(entry.id),
        "url": blog.entry_url(entry.id),
        "headline": headline(entry),
        "articleBody": text_of(content_html(entry)),
        "datePublished": iso(entry.created_at),
        "dateModified": iso(entry.updated_at),
    }


def script_json(data: Any) -> str:
    """JSON that no `</script>` or `<!--` inside user text can end early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
