"""Telling people things: a message goes to every registered channel; the inbox channel keeps it once per
user and key, so the same event handled twice (a retried job, a redelivered webhook) tells once."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite

from market_app.accounts.models import User
from market_app.core import jobs, uow
from market_app.core.db import db, utcnow
from market_app.core.errors import NotFound
from market_app.notifications.models import Notification

_KEY = "notifications.channels"


@dataclass(frozen=True)
class Message:
    kind: str  # e.g. "order_paid", "delivery_delivered", "live_reminder"
    key: str  # unique per user: what makes telling twice impossible
    title: str
    body: str = ""
    data: dict = field(default_factory=dict)  # ids a client needs to open the thing (order_id, delivery_id...)


class Channel:
    """A way to reach people. Channels other than the inbox (SMS, KakaoTalk) implement deliver() the same way,
    idempotently by message key."""

    def deliver(self, user_ids: list[int], message: Message) -> None:
        raise NotImplementedError


class InboxChannel(Channel):
    def deliver(self, user_ids: list[int], message: Message) -> None:
        rows = [{"user_id": user_id, "kind": message.kind, "key": message.key[:120], "title": message.title[:200],
                 "body": message.body[:1000], "data": message.data, "created_at": utcnow()}
                for user_id in sorted(set(user_ids))]
        if not rows:
            return
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(Notification).values(rows).on_conflict_do_nothing(
            index_elements=["user_id", "key"]))


def init_app(app: Flask, *channels: Channel) -> None:
    app.extensions[_KEY] = list(channels) or [InboxChannel()]


def notify(user_ids: Iterable[int], message: Message) -> None:
    """Send message to these users through every channel, in the caller's unit of work."""
    user_ids = list(user_ids)
    for channel in current_app.extensions[_KEY]:
        channel.deliver(user_ids, message)


FAN_OUT_JOB = "notifications.fan_out"
FAN_OUT_BATCH = 500


def notify_later(user_ids: Iterable[int], message: Message, then: tuple | None = None) -> None:
    """Tell many people (a live session's subscribers, a market's shoppers) from the task worker, once the
    caller's unit of work commits; the request does not wait for thousands of rows.

    then: a job (name, *args) queued once everyone is told, e.g. one that marks the work done. A fan-out that is
    lost (the broker refused it after the commit) never gets there, so the caller's sweep, which looks for that
    mark, sends again; the keys make sure nobody hears twice."""
    jobs.enqueue(FAN_OUT_JOB, sorted(set(user_ids)), asdict(message), list(then) if then else None)


def fan_out(user_ids: list[int], message: dict, then: list | None = None, batch_size: int = FAN_OUT_BATCH) -> int:
    """The fan-out job: notify in batches, each committed on its own, so a retry after a crash only repeats
    work that the (user, key) uniqueness turns into nothing; then queue the job the caller asked for."""
    note = Message(**message)
    for start in range(0, len(user_ids), batch_size):
        notify(user_ids[start:start + batch_size], note)
        uow.commit()
    if then:
        jobs.enqueue(*then)
    return len(user_ids)


def who_was_told(among: Iterable[int], keys: Iterable[str] = (), key_prefixes: Iterable[str] = ()) -> list[int]:
    """Those among these users holding a notification with one of these keys, or a key starting with one of these
    prefixes: who heard of something that is now withdrawn. Read by the (user, key) index, user by user."""
    users = sorted(set(among))
    if not users:
        return []
    matches = [Notification.key.in_([key[:120] for key in keys])]
    matches += [Notification.key.startswith(prefix, autoescape=True) for prefix in key_prefixes]
    return list(db.session.scalars(sa.select(Notification.user_id)
                                   .where(Notification.user_id.in_(users), sa.or_(*matches)).distinct()
                                   .order_by(Notification.user_id)))


def inbox_query(user: User, unread: bool | None = None) -> sa.Select:
    stmt = sa.select(Notification).where(Notification.user_id == user.id)
    if unread is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    return stmt.order_by(Notification.id.desc())


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_read(user: User, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound("Notification not found.")
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(sa.update(Notification)
                                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                                .values(read_at=utcnow()))
    return result.rowcount
