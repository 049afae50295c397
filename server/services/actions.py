"""The programme's action plan: improvement projects raised from themes, and their progress.

Actions live on the programme and carry forward from event to event. When an event is named (the
one an action was raised at, or the one where it was changed or checked in on), the change is
logged on that event, so its room sees it live; a frozen event takes no new rows (409).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from server.errors import BadInput, NotFound
from server.lib.timeutil import iso, utcnow
from server.models.accounts import User
from server.models.actions import (
    Action,
    ActionChange,
    ActionCreate,
    ActionPublic,
    ActionUpdate,
    ProgressCreate,
    ProgressPublic,
)
from server.models.boards import Board, Theme
from server.models.events import Event
from server.models.programmes import Programme
from server.realtime import log
from server.services.access import require_facilitator, require_not_frozen

OPEN_STATUSES = ("to commence", "in progress", "on hold")


def action_or_404(session: Session, *, action_id: int) -> Action:
    action = session.get(Action, action_id)
    if action is None:
        raise NotFound("No action has that id.")
    return action


def programme_of(session: Session, *, action: Action) -> Programme:
    programme = session.get(Programme, action.programme_id)
    assert programme is not None
    return programme


def list_actions(
    session: Session, *, programme: Programme, open_only: bool = False
) -> list[Action]:
    """The programme's actions, oldest first; only those not done when `open_only`."""
    query = select(Action).where(Action.programme_id == programme.id).order_by(col(Action.id))
    if open_only:
        query = query.where(col(Action.status).in_(OPEN_STATUSES))
    return list(session.exec(query))


def event_themes(session: Session, *, event: Event) -> list[tuple[str, Theme]]:
    """(board title, theme) for the themes of an event's boards, to raise an action from."""
    rows = session.exec(
        select(Board.title, Theme)
        .join(Theme, col(Theme.board_id) == Board.id)
        .where(Board.event_id == event.id, Board.state != "hidden")
        .order_by(col(Board.id), col(Theme.id))
    ).all()
    return [(title, theme) for title, theme in rows]


def is_overdue(action: Action, today: date) -> bool:
    return action.target_date is not None and action.target_date < today and action.status != "done"


def actions_public(session: Session, *, actions: list[Action], today: date) -> list[ActionPublic]:
    """Actions with their dated updates, oldest first, in one query."""
    updates = session.exec(
        select(ActionUpdate)
        .where(col(ActionUpdate.action_id).in_([a.id for a in actions]))
        .order_by(col(ActionUpdate.created_at), col(ActionUpdate.id))
    ).all()
    return [
        ActionPublic.model_validate(
            {
                **a.model_dump(),
                "overdue": is_overdue(a, today),
                "updates": [progress_public(u) for u in updates if u.action_id == a.id],
            }
        )
        for a in actions
    ]


def progress_public(update: ActionUpdate) -> ProgressPublic:
    return ProgressPublic.model_validate(update.model_dump())


def create_action(
    session: Session, *, actor: User | None, programme: Programme, data: ActionCreate
) -> Action:
    """Raise an action on the programme, at an event and from a theme when given."""
    require_facilitator(session, actor=actor, programme=programme)
    event = _event_in(session, programme, data.event_id)
    _check_theme(session, programme, data.theme_id)
    action = Action(programme_id=programme.id, **data.model_dump(exclude={"title", "owner"}))
    action.title, action.owner = _clean(data.title, "title"), data.owner.strip()
    action.involve = _clean_names(data.involve)
    session.add(action)
    session.flush()
    _log(session, event, "action.created", action)
    return action


def update_action(
    session: Session, *, actor: User | None, action: Action, data: ActionChange
) -> Action:
    """Change an action's words, owner, people, date or status."""
    programme = programme_of(session, action=action)
    require_facilitator(session, actor=actor, programme=programme)
    changes = data.model_dump(exclude_unset=True)
    event = _event_in(session, programme, changes.pop("event_id", None)) or _origin(session, action)
    for field, value in changes.items():
        # `target_date: null` clears the date; for the other fields null means "leave it".
        if value is None and field != "target_date":
            continue
        if field == "title":
            value = _clean(value, "title")
        elif field == "involve":
            value = _clean_names(value)
        elif field == "owner":
            value = value.strip()
        setattr(action, field, value)
    return _touch(session, event, action)


def add_update(
    session: Session, *, actor: User | None, action: Action, data: ProgressCreate
) -> ActionUpdate:
    """Record dated progress on an action, moving it to a new status when one is given."""
    programme = programme_of(session, action=action)
    require_facilitator(session, actor=actor, programme=programme)
    event = _event_in(session, programme, data.event_id)
    update = ActionUpdate(
        action_id=action.id,
        event_id=event.id if event else None,
        text=_clean(data.text, "update"),
        status=data.status or "",
    )
    session.add(update)
    if data.status:
        action.status = data.status
    _touch(session, event or _origin(session, action), action)
    return update


# -- for the archive document ------------------------------------------------------------------


def raised_at(session: Session, *, event: Event) -> list[dict[str, Any]]:
    """The actions raised at this event, with their updates so far."""
    raised = session.exec(
        select(Action).where(Action.event_id == event.id).order_by(col(Action.id))
    ).all()
    updates = session.exec(
        select(ActionUpdate)
        .where(col(ActionUpdate.action_id).in_([a.id for a in raised]))
        .order_by(col(ActionUpdate.id))
    ).all()
    return [
        {
            "id": a.id,
            "title": a.title,
            "owner": a.owner,
            "involve": a.involve,
            "target_date": _day(a.target_date),
            "status": a.status,
            "theme_id": a.theme_id,
            "updates": [_update(u) for u in updates if u.action_id == a.id],
        }
        for a in raised
    ]


def progress_at(session: Session, *, event: Event) -> list[dict[str, Any]]:
    """Updates given at this event on actions raised elsewhere: the progress check-in."""
    rows = session.exec(
        select(ActionUpdate, Action)
        .join(Action, col(Action.id) == ActionUpdate.action_id)
        .where(ActionUpdate.event_id == event.id)
        .order_by(col(ActionUpdate.id))
    ).all()
    return [
        {**_update(u), "action_id": a.id, "action_title": a.title}
        for u, a in rows
        if a.event_id != event.id
    ]


def _update(update: ActionUpdate) -> dict[str, Any]:
    return {
        "id": update.id,
        "text": update.text,
        "status": update.status,
        "created_at": iso(update.created_at),
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _touch(session: Session, event: Event | None, action: Action) -> Action:
    action.updated_at = utcnow()
    session.add(action)
    session.flush()
    _log(session, event, "action.updated", action)
    return action


def _event_in(session: Session, programme: Programme, event_id: int | None) -> Event | None:
    """The named event of this programme, if any, and only while it is not frozen."""
    if event_id is None:
        return None
    event = session.get(Event, event_id)
    if event is None or event.programme_id != programme.id:
        raise BadInput("That event is not one of this programme's.")
    require_not_frozen(event)
    return event


def _origin(session: Session, action: Action) -> Event | None:
    """The event an action was raised at, while its log still takes rows."""
    event = session.get(Event, action.event_id) if action.event_id else None
    return event if event is not None and event.status != "frozen" else None


def _check_theme(session: Session, programme: Programme, theme_id: int | None) -> None:
    if theme_id is None:
        return
    theme = session.get(Theme, theme_id)
    board = session.get(Board, theme.board_id) if theme else None
    event = session.get(Event, board.event_id) if board and board.event_id else None
    owner = event.programme_id if event else (board.programme_id if board else None)
    if owner != programme.id:
        raise BadInput("That theme is not on a board of this programme.")


def _clean(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise BadInput(f"The {what} cannot be blank.")
    return value


def _clean_names(names: list[str]) -> list[str]:
    return [n.strip() for n in names if n.strip()]


def _log(session: Session, event: Event | None, type: str, action: Action) -> None:
    """Tell the event's room; the payload is the action as the API shows it."""
    if event is None:
        return
    today = utcnow().date()
    payload = actions_public(session, actions=[action], today=today)[0].model_dump(mode="json")
    log.append(session, event_id=event.id, type=type, audience=log.PUBLIC, payload=payload)
