"""JSON API for boards, their cards, themes and dot votes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from server.api.deps import (
    Actor,
    CountedWrite,
    CurrentViewer,
    DbSession,
    EventById,
    PathId,
    ProgrammeBySlug,
    count_write,
    in_one_hop,
)
from server.api.openapi import errors
from server.auth import Viewer
from server.models.boards import (
    Board,
    BoardCreate,
    BoardDetail,
    BoardPublic,
    BoardUpdate,
    Card,
    CardConsent,
    CardCreate,
    CardPublic,
    CardRedact,
    CardUpdate,
    MyVotes,
    Theme,
    ThemeCreate,
    ThemePublic,
    ThemeUpdate,
    VoteResult,
    VoteSet,
)
from server.models.liveblog import EntryPublic
from server.services import boards, card_redaction, cards, liveblog, votes
from server.services.access import Caller

router = APIRouter(prefix="/api/v1", tags=["boards"])


async def caller_dep(actor: Actor, viewer: CurrentViewer) -> Caller:
    """Organiser or attendee; an organiser's cookie write has passed the CSRF check (Actor)."""
    return Caller(user=actor, attendee=viewer.attendee)


def board_dep(board_id: PathId, session: DbSession) -> Board:
    return boards.board_or_404(session, board_id=board_id)


def card_dep(card_id: PathId, session: DbSession) -> Card:
    return cards.card_or_404(session, card_id=card_id)


def theme_dep(theme_id: PathId, session: DbSession) -> Theme:
    return votes.theme_or_404(session, theme_id=theme_id)


CurrentCaller = Annotated[Caller, Depends(caller_dep)]
BoardById = Annotated[Board, Depends(board_dep)]
CardById = Annotated[Card, Depends(card_dep)]
ThemeById = Annotated[Theme, Depends(theme_dep)]


def _detail(session: DbSession, board: Board, caller: Caller) -> BoardDetail:
    scope = boards.viewer_scope(session, board=board, actor=caller)
    return BoardDetail.model_validate(boards.board_as_seen(session, board=board, scope=scope))


# Routes answering with cards leave out unset fields: `held_reason` is omitted for those who
# may not see it, rather than sent as null.
def _card(session: DbSession, card: Card, caller: Caller) -> CardPublic:
    return CardPublic.model_validate(boards.card_as_seen(session, card=card, actor=caller))


def _theme(session: DbSession, theme: Theme) -> ThemePublic:
    return ThemePublic.model_validate(boards.themes_public(session, themes=[theme])[0])


@router.post("/events/{event_id}/boards", status_code=201, response_model_exclude_unset=True)
def create_event_board(
    body: BoardCreate, event: EventById, session: DbSession, caller: CurrentCaller
) -> BoardDetail:
    """Open a board for the event's room."""
    board = boards.create_event_board(session, actor=caller.user, event=event, data=body)
    return _detail(session, board, caller)


@router.post("/programmes/{slug}/boards", status_code=201, response_model_exclude_unset=True)
def create_programme_board(
    body: BoardCreate, programme: ProgrammeBySlug, session: DbSession, caller: CurrentCaller
) -> BoardDetail:
    """Open a board on the programme, collecting cards between its events."""
    board = boards.create_programme_board(
        session, actor=caller.user, programme=programme, data=body
    )
    return _detail(session, board, caller)


@router.get("/programmes/{slug}/boards")
def list_programme_boards(
    programme: ProgrammeBySlug, session: DbSession, caller: CurrentCaller
) -> list[BoardPublic]:
    """The programme's own boards (not its events'); hidden ones for facilitators only."""
    found = boards.programme_boards(session, actor=caller, programme=programme)
    return [boards.board_public(b) for b in found]


@router.get("/boards/{board_id}", response_model_exclude_unset=True)
def read_board(board: BoardById, session: DbSession, caller: CurrentCaller) -> BoardDetail:
    """The board with the cards and themes the caller may see."""
    return _detail(session, board, caller)


@router.patch("/boards/{board_id}", response_model_exclude_unset=True)
def update_board(
    body: BoardUpdate, board: BoardById, session: DbSession, caller: CurrentCaller
) -> BoardDetail:
    """Open, close or hide the board; change its title, prompt, columns or rules."""
    boards.update_board(session, actor=caller.user, board=board, data=body)
    return _detail(session, board, caller)


SEEN_BEFORE: dict[int | str, dict[str, Any]] = {
    200: {"model": CardPublic, "description": "The card this client_id already made"},
    **errors(429),
}


@router.post(
    "/boards/{board_id}/cards",
    status_code=201,
    responses={**SEEN_BEFORE, **errors(401, 403)},
    response_model_exclude_unset=True,
)
async def create_card(
    body: CardCreate, board_id: PathId, request: Request, response: Response
) -> CardPublic:
    """Post a card: 201, or 200 with the same card when its client_id was seen before."""

    # The room's busiest write: one hop to a thread (the dependencies would take four).
    def post(session: Session, viewer: Viewer) -> tuple[CardPublic, bool]:
        count_write(request, viewer, request.state.limits)
        board = boards.board_or_404(session, board_id=board_id)
        caller = viewer.caller
        card, created = cards.create_card(session, actor=caller, board=board, data=body)
        return _card(session, card, caller), created

    card, created = await in_one_hop(request, post)
    if not created:
        response.status_code = 200
    return card


@router.patch("/cards/{card_id}", response_model_exclude_unset=True, dependencies=[CountedWrite])
def update_card(
    body: CardUpdate, card: CardById, session: DbSession, caller: CurrentCaller
) -> CardPublic:
    """Facilitators: status, theme_id, spotlight. The author: text, while the board is open."""
    cards.update_card(session, actor=caller, card=card, data=body)
    return _card(session, card, caller)


@router.put(
    "/cards/{card_id}/consent",
    response_model_exclude_unset=True,
    dependencies=[CountedWrite],
    responses=errors(409),
)
def set_card_consent(
    body: CardConsent, card: CardById, session: DbSession, caller: CurrentCaller
) -> CardPublic:
    """The card's author gives or withdraws consent for its words (`text`) and, apart, their
    name (`name`) on public surfaces; a field left out stays. 403 for anyone else, 409 once
    the event is frozen."""
    cards.set_consent(session, actor=caller, card=card, text=body.text, name=body.name)
    return _card(session, card, caller)


@router.post(
    "/cards/{card_id}/redact",
    response_model_exclude_unset=True,
    dependencies=[CountedWrite],
    responses=errors(409),
)
def redact_card(
    body: CardRedact, card: CardById, session: DbSession, caller: CurrentCaller
) -> CardPublic:
    """Facilitators: a held card's text with parts replaced by `[redacted]` (400
    not_a_redaction otherwise; 409 not_held for a card already shown). The guard screens it
    again: it stays held unless `approve` is true."""
    card_redaction.redact_card(session, actor=caller, card=card, data=body)
    return _card(session, card, caller)


@router.delete("/cards/{card_id}", status_code=204, dependencies=[CountedWrite])
def delete_card(card: CardById, session: DbSession, caller: CurrentCaller) -> None:
    """Take a card off its board (its facilitators or its author)."""
    cards.delete_card(session, actor=caller, card=card)


@router.put("/cards/{card_id}/vote", dependencies=[CountedWrite])
def vote_card(
    body: VoteSet, card: CardById, session: DbSession, caller: CurrentCaller
) -> VoteResult:
    """Set this attendee's dots on a card; 409 over_budget past the board's allowance."""
    return votes.set_card_vote(session, actor=caller, card=card, count=body.count)


@router.post("/cards/{card_id}/promote", status_code=201)
def promote_card(card: CardById, session: DbSession, caller: CurrentCaller) -> EntryPublic:
    """Quote the card on the live blog; 409 not_shareable without its author's text consent.
    The quote names the author only with their name consent."""
    return liveblog.entry_public(cards.promote_card(session, actor=caller.user, card=card))


@router.get("/boards/{board_id}/votes")
def my_votes(board: BoardById, session: DbSession, caller: CurrentCaller) -> MyVotes:
    """Where the calling attendee's dots are on this board, and how many are left."""
    return votes.my_votes(session, actor=caller, board=board)


@router.post("/boards/{board_id}/themes", status_code=201)
def create_theme(
    body: ThemeCreate, board: BoardById, session: DbSession, caller: CurrentCaller
) -> ThemePublic:
    """Add a theme to group cards under."""
    return _theme(session, votes.create_theme(session, actor=caller.user, board=board, data=body))


@router.patch("/themes/{theme_id}")
def update_theme(
    body: ThemeUpdate, theme: ThemeById, session: DbSession, caller: CurrentCaller
) -> ThemePublic:
    """Rename a theme."""
    return _theme(session, votes.update_theme(session, actor=caller.user, theme=theme, data=body))


@router.delete("/themes/{theme_id}", status_code=204)
def delete_theme(theme: ThemeById, session: DbSession, caller: CurrentCaller) -> None:
    """Remove a theme; its cards stay, ungrouped."""
    votes.delete_theme(session, actor=caller.user, theme=theme)


@router.put("/themes/{theme_id}/vote", dependencies=[CountedWrite])
def vote_theme(
    body: VoteSet, theme: ThemeById, session: DbSession, caller: CurrentCaller
) -> VoteResult:
    """Set this attendee's dots on a theme, from the same budget as the board's cards."""
    return votes.set_theme_vote(session, actor=caller, theme=theme, count=body.count)
