"""Explicit state machines with a timeline: one transition table per kind of thing (stall order, delivery,
live session), a 409 for any move the current state does not allow, and one timeline row per move."""

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Generic, Protocol, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import UTCDateTime, utcnow
from market_app.core.errors import InvalidTransition

S = TypeVar("S", bound=enum.Enum)
A = TypeVar("A", bound=enum.Enum)


class TimelineEventMixin:
    """Columns every timeline row has: the move, who made it (None: the system) and when."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    from_status: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    to_status: so.Mapped[str] = so.mapped_column(sa.String(20))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class HasTimeline(Protocol):
    status: enum.Enum

    def add_event(self, from_status: str | None, to_status: str, actor_id: int | None, note: str | None) -> None:
        """Append one timeline row (each model knows its own event class and where the note goes)."""


class StateMachine(Generic[S, A]):
    """action -> (states it may start from, state it leads to)."""

    def __init__(self, noun: str, transitions: Mapping[A, tuple[Iterable[S], S]]):
        self.noun = noun
        self.transitions = {action: (frozenset(sources), target) for action, (sources, target) in transitions.items()}

    def can(self, action: A, current: S) -> bool:
        return current in self.transitions[action][0]

    def allowed(self, current: S) -> list[A]:
        return [action for action, (sources, _) in self.transitions.items() if current in sources]

    def target(self, action: A, current: S) -> S:
        sources, target = self.transitions[action]
        if current not in sources:
            verb = str(action.value).replace("_", " ")
            raise InvalidTransition(f"Cannot {verb} a {self.noun} that is {current.value}.")
        return target

    def fire(self, subject: HasTimeline, action: A, *, actor_id: int | None = None, note: str | None = None) -> S:
        """Move subject by action (409 if its state does not allow it) and record the move on its timeline."""
        current = subject.status
        target = self.target(action, current)
        subject.add_event(current.value, target.value, actor_id, note)
        subject.status = target
        return target
