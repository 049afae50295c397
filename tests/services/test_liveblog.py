"""The live-blog service: posting, edits with history, tombstones, pictures, pages and cursors."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlmodel import Session, col, select

from server.db import Database
from server.errors import BadInput, EventFrozen, Forbidden, NotFound, NotSignedIn, TooLarge
from server.lib import images
from server.models.boards import BoardCreate
from server.models.events import AgendaItem, Event, EventLog
from server.models.liveblog import (
    Correction,
    Entry,
    EntryCreate,
    EntryImage,
    EntryRevision,
    EntryUpdate,
)
from server.services import boards, events, liveblog
from server.services import liveblog_pages as pages
from tests.factories import World, make_world


def post(s: Session, world: World, body: str = "Hello", **fields: object) -> Entry:
    return liveblog.create_entry(
        s, actor=world.facilitator, event=world.event, data=EntryCreate(body=body, **fields)
    )


def fetch(s: Session, entry: Entry) -> Entry:
    """The same entry, in this session."""
    found = s.get(Entry, entry.id)
    assert found is not None
    return found


def logged(s: Session, world: World) -> list[EventLog]:
    return list(
        s.exec(
            select(EventLog)
            .where(EventLog.event_id == world.event.id, col(EventLog.type).startswith("entry."))
            .order_by(col(EventLog.seq))
        )
    )


# -- posting ----------------------------------------------------------------------------------


def test_post_renders_sanitised_html_and_logs_the_public_entry(db: Database, world: World) -> None:
    with db.session() as s:
        entry = post(s, world, "Hi **all** <script>x</script> [me](javascript:alert(1))")
    tree = HTMLParser(entry.html)
    assert tree.css_first("strong").text() == "all"
    assert tree.css("script") == [] and tree.css("a") == []
    with db.session() as s:
        (row,) = logged(s, world)
    assert (row.type, row.audience) == ("entry.created", "public")
    assert row.payload["html"] == entry.html and row.payload["edited"] is False


def test_same_client_id_makes_one_entry(db: Database, world: World) -> None:
    with db.session() as s:
        first, created = liveblog.create_entry_once(
            s,
            actor=world.facilitator,
            event=world.event,
            data=EntryCreate(body="a", client_id="c1"),
        )
        again, created_again = liveblog.create_entry_once(
            s,
            actor=world.facilitator,
            event=world.event,
            data=EntryCreate(body="b", client_id="c1"),
        )
    assert created and not created_again and again.id == first.id and again.body == "a"
    with db.session() as s:
        assert len(logged(s, world)) == 1


@pytest.mark.parametrize("client_id", [None, ""])
def test_entries_without_a_client_id_are_each_their_own(
    db: Database, world: World, client_id: str | None
) -> None:
    # An empty client_id (a script's default, found by the contract fuzzing) means none.
    with db.session() as s:
        for body in ("first", "second"):
            _, created = liveblog.create_entry_once(
                s,
                actor=world.facilitator,
                event=world.event,
                data=EntryCreate(body=body, client_id=client_id),
            )
            assert created
    with db.session() as s:
        assert len(logged(s, world)) == 2


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_only_facilitators_post(db: Database, world: World, who: str) -> None:
    actor = None if who == "anonymous" else world.outsider
    with db.session() as s, pytest.raises(NotSignedIn if actor is None else Forbidden):
        liveblog.create_entry(s, actor=actor, event=world.event, data=EntryCreate(body="x"))


def test_admin_posts_anywhere(db: Database, world: World) -> None:
    with db.session() as s:
        entry = liveblog.create_entry(
            s, actor=world.admin, event=world.event, data=EntryCreate(body="from the admin")
        )
    assert entry.author_id == world.admin.id


def test_agenda_item_must_belong_to_the_event(db: Database, world: World) -> None:
    with db.session() as s:
        other = make_world(s)
        foreign = s.exec(select(AgendaItem).where(AgendaItem.event_id == other.event.id)).first()
        assert foreign is not None
        with pytest.raises(BadInput):
            post(s, world, agenda_item_id=foreign.id)


def test_every_write_to_a_frozen_event_is_refused(db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="ended")
        entry = post(s, world)
    with db.session() as s:
        events.transition(s, actor=world.facilitator, event=world.event, action="freeze")
    with db.session() as s:
        entry = s.get(Entry, entry.id)  # type: ignore[assignment]
        for attempt in (
            lambda: post(s, world),
            lambda: liveblog.update_entry(
                s, actor=world.facilitator, entry=entry, data=EntryUpdate(body="new")
            ),
            lambda: liveblog.delete_entry(s, actor=world.facilitator, entry=entry),
        ):
            with pytest.raises(EventFrozen):
                attempt()


# -- edits, corrections, deletions ------------------------------------------------------------


def test_edit_keeps_the_old_body_as_a_revision_and_shows_updated(
    db: Database, world: World
) -> None:
    with db.session() as s:
        entry = post(s, world, "Fist draft")
    with db.session() as s:
        entry = liveblog.update_entry(
            s,
            actor=world.facilitator,
            entry=s.get(Entry, entry.id),  # type: ignore[arg-type]
            data=EntryUpdate(
                body="First draft", correction=Correction(is_correction=True, note="  typo  ")
            ),
        )
    public = liveblog.entry_public(entry)
    assert public.edited and public.correction_note == "typo"
    assert public.updated_at > public.created_at or entry.updated_at > entry.created_at
    with db.session() as s:
        (revision,) = liveblog.revisions(s, actor=world.facilitator, entry=entry)
        assert revision.body == "Fist draft" and revision.editor_id == world.facilitator.id
        assert [r.type for r in logged(s, world)] == ["entry.created", "entry.updated"]
        with pytest.raises(Forbidden):
            liveblog.revisions(s, actor=world.outsider, entry=entry)


def test_pinning_or_moving_is_not_an_edit(db: Database, world: World) -> None:
    with db.session() as s:
        item = s.exec(select(AgendaItem).where(AgendaItem.event_id == world.event.id)).first()
        entry = post(s, world)
        entry = liveblog.update_entry(
            s,
            actor=world.facilitator,
            entry=entry,
            data=EntryUpdate(pinned=True, agenda_item_id=item.id if item else None),
        )
        assert entry.pinned and not liveblog.entry_public(entry).edited
        entry = liveblog.update_entry(
            s,
            actor=world.facilitator,
            entry=entry,
            data=EntryUpdate.model_validate({"agenda_item_id": None}),
        )
        assert entry.agenda_item_id is None
        assert s.exec(select(EntryRevision)).all() == []


def test_a_correction_needs_a_note(db: Database, world: World) -> None:
    with db.session() as s:
        entry = post(s, world)
        with pytest.raises(BadInput):
            liveblog.update_entry(
                s,
                actor=world.facilitator,
                entry=entry,
                data=EntryUpdate(body="x", correction=Correction(is_correction=True, note=" ")),
            )


def test_delete_leaves_a_tombstone_and_logs_only_the_id(db: Database, world: World) -> None:
    with db.session() as s:
        entry = post(s, world)
    with db.session() as s, pytest.raises(Forbidden):
        liveblog.delete_entry(s, actor=world.outsider, entry=s.get(Entry, entry.id))  # type: ignore[arg-type]
    with db.session() as s:
        liveblog.delete_entry(s, actor=world.facilitator, entry=s.get(Entry, entry.id))  # type: ignore[arg-type]
    with db.session() as s:
        row = s.get(Entry, entry.id)
        assert row is not None and row.deleted_at is not None
        assert logged(s, world)[-1].payload == {"id": entry.id}
        assert liveblog.entries(s, event=world.event) == []
        with pytest.raises(NotFound):
            liveblog.entry_or_404(s, entry_id=entry.id)


# -- pictures ---------------------------------------------------------------------------------


def picture(fmt: str, size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif.get_ifd(0x8825)[2] = (53.0, 28.0, 0.0)  # GPS latitude
    return picture("JPEG", (80, 40), exif=exif.tobytes(), comment=b"taken at the care home")


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Resident Name")
    return picture("PNG", pnginfo=info)


def test_pictures_are_typed_by_their_bytes_and_stripped(tmp_path: Path) -> None:
    cleaned = images.clean(jpeg_with_gps(), max_bytes=1_000_000)
    assert cleaned.kind.content_type == "image/jpeg"
    # Turned upright from the EXIF note before the note went.
    assert (cleaned.width, cleaned.height) == (40, 80)
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
    assert b"PhoneMaker" not in cleaned.data and b"care home" not in cleaned.data
    png = images.clean(png_with_text(), max_bytes=1_000_000)
    assert b"Resident Name" not in png.data
    for fmt, kind in [("WEBP", "image/webp"), ("GIF", "image/gif"), ("PNG", "image/png")]:
        assert images.clean(picture(fmt), max_bytes=1_000_000).kind.content_type == kind


def test_animated_gifs_keep_their_frames() -> None:
    frames = [Image.new("RGB", (20, 20), (i * 100, 0, 0)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(
        out, format="GIF", save_all=True, append_images=frames[1:], duration=120, comment=b"secret"
    )
    cleaned = images.clean(out.getvalue(), max_bytes=1_000_000)
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert getattr(image, "n_frames", 1) == 3
    assert b"secret" not in cleaned.data


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", images.UnsupportedImage),
        (b"%PDF-1.7 not a picture", images.UnsupportedImage),
        (b"\x89PNG\r\n\x1a\n but truncated garbage", BadInput),
        (b"GIF89a" + b"\x00" * 20, BadInput),
    ],
)
def test_anything_but_a_readable_picture_is_refused(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        images.clean(data, max_bytes=1_000_000)


def test_pictures_over_the_limit_or_too_many_pixels_are_refused() -> None:
    with pytest.raises(TooLarge):
        images.clean(picture("PNG"), max_bytes=10)
    # 12,000 x 12,000 = 144 megapixels in a few kilobytes: a decompression bomb.
    bomb = picture("PNG", (12_000, 12_000))
    with pytest.raises(BadInput):
        images.clean(bomb, max_bytes=10_000_000)


def test_big_photos_are_scaled_down() -> None:
    cleaned = images.clean(picture("JPEG", (4000, 3000)), max_bytes=10_000_000)
    assert (cleaned.width, cleaned.height) == (2048, 1536)


def test_add_image_appends_it_to_the_entry_without_marking_an_edit(
    db: Database, world: World, tmp_path: Path
) -> None:
    with db.session() as s:
        entry = post(s, world, "Look at this")
        image = liveblog.add_image(
            s,
            actor=world.facilitator,
            entry=entry,
            upload=liveblog.Upload(data=jpeg_with_gps(), alt="The [garden] club"),
            media_dir=tmp_path,
            max_bytes=1_000_000,
        )
    assert (tmp_path / image.filename).is_file()
    assert images.path_of(tmp_path, image.filename) == tmp_path / image.filename
    assert entry.body.endswith(f"![The \\[garden\\] club](/media/{image.filename})")
    assert f'<img src="/media/{image.filename}" alt="The [garden] club"' in entry.html
    assert not liveblog.entry_public(entry).edited
    with db.session() as s:
        assert s.exec(select(EntryImage)).one().content_type == "image/jpeg"
        assert logged(s, world)[-1].type == "entry.updated"


def test_media_names_cannot_reach_other_files(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("x")
    for name in ["../secret_key", "secret_key", "a" * 32 + ".svg", "A" * 32 + ".png"]:
        assert images.path_of(tmp_path, name) is None


# -- pages, cursors, changes ------------------------------------------------------------------


def test_load_older_never_skips_or_repeats_across_edits_and_deletions(
    db: Database, world: World
) -> None:
    with db.session() as s:
        made = [post(s, world, f"entry {i}") for i in range(25)]
    with db.session() as s:
        first = pages.page(s, event=world.event, before=None, limit=10)
        assert [e.body for e in first.entries] == [f"entry {i}" for i in range(24, 14, -1)]
        # Meanwhile: an entry on the first page is deleted, one on the next page edited,
        # one pinned (it leaves the stream), and a new one posted at the top.
        liveblog.delete_entry(s, actor=world.facilitator, entry=fetch(s, made[20]))
        liveblog.update_entry(
            s, actor=world.facilitator, entry=fetch(s, made[12]), data=EntryUpdate(body="edited 12")
        )
        liveblog.update_entry(
            s, actor=world.facilitator, entry=fetch(s, made[10]), data=EntryUpdate(pinned=True)
        )
        post(s, world, "newest")
        seen = [e.id for e in first.entries]
        cursor = first.next_before
        while cursor:
            older = pages.page(s, event=world.event, before=cursor, limit=10)
            assert older.pinned == []
            seen += [e.id for e in older.entries]
            cursor = older.next_before
    expected = [e.id for e in reversed(made) if e.id != made[10].id]
    assert seen == expected  # made[20] was shown before it was deleted; nothing twice


def test_first_page_carries_pinned_entries_separately(db: Database, world: World) -> None:
    with db.session() as s:
        a = post(s, world, "a", pinned=True)
        b = post(s, world, "b")
        found = pages.page(s, event=world.event, before=None)
    assert [e.id for e in found.pinned] == [a.id] and [e.id for e in found.entries] == [b.id]
    assert found.next_before is None and found.head


def test_a_cursor_glimpse_did_not_make_is_refused(db: Database, world: World) -> None:
    with db.session() as s:
        for bad in ["", "abc", "1.2.3", "-1.4", "9" * 30 + ".1"]:
            with pytest.raises(BadInput):
                pages.page(s, event=world.event, before=bad)


def test_page_through_reaches_an_old_entry(db: Database, world: World) -> None:
    with db.session() as s:
        made = [post(s, world, f"entry {i}") for i in range(30)]
        near = pages.page_through(s, event=world.event, entry=made[5])
        assert near.head and made[5].id in [e.id for e in near.entries]
        far = pages.page_through(s, event=world.event, entry=made[0])
        assert far.entries[-1].id == made[0].id


def test_changes_after_a_seq(db: Database, world: World) -> None:
    with db.session() as s:
        keep = post(s, world, "keep")
        gone = post(s, world, "gone")
        seq = s.get(Event, world.event.id).last_seq  # type: ignore[union-attr]
        liveblog.update_entry(s, actor=world.facilitator, entry=keep, data=EntryUpdate(body="kept"))
        liveblog.delete_entry(s, actor=world.facilitator, entry=gone)
        fresh = post(s, world, "fresh")
        changed, deleted = pages.changes_after(s, event=world.event, after=seq)
    assert [e.id for e in changed] == [fresh.id, keep.id] and deleted == [gone.id]


def test_page_version_moves_with_entries_not_with_board_traffic(db: Database, world: World) -> None:
    with db.session() as s:
        post(s, world)
        before = pages.page_version(s, event=world.event)
        boards.create_event_board(
            s, actor=world.facilitator, event=world.event, data=BoardCreate(title="Wall")
        )
        assert pages.page_version(s, event=world.event) == before
        post(s, world, "another")
        assert pages.page_version(s, event=world.event)[0] > before[0]


def test_current_item_is_the_last_started(db: Database, world: World) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    items = [
        AgendaItem(id=1, event_id=1, title="a", starts_at=now - timedelta(hours=2)),
        AgendaItem(id=2, event_id=1, title="b", starts_at=now - timedelta(minutes=5)),
        AgendaItem(id=3, event_id=1, title="c", starts_at=now + timedelta(hours=1)),
        AgendaItem(id=4, event_id=1, title="untimed"),
    ]
    assert pages.current_item(items, now) is items[1]
    assert pages.current_item(items, now - timedelta(hours=3)) is None
