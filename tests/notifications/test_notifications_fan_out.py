"""Fan-out: telling many people is a job that notifies in committed batches; running it again (a retry after a
crash half-way) tells nobody twice."""

import dataclasses

import pytest
import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.core import uow
from market_app.extensions import db
from market_app.notifications import services
from market_app.notifications.models import Notification
from market_app.notifications.services import Message

MESSAGE = Message(kind="live_reminder", key="live_reminder:7", title="곧 라이브 시작!", body="망원고로케 10분 전",
                  data={"live_session_id": 7})


def _users(count: int) -> list[int]:
    db.session.execute(sa.insert(User), [{"email": f"fan{n}@example.kr", "name": f"구독자{n}", "password_hash": "!"}
                                         for n in range(count)])
    db.session.commit()
    return list(db.session.scalars(sa.select(User.id).order_by(User.id)))


def _told() -> list[tuple[int, str]]:
    db.session.expire_all()
    return db.session.execute(sa.select(Notification.user_id, Notification.key).order_by(Notification.user_id)).all()


def test_notify_later_tells_every_user_once_after_the_commit(app):
    users = _users(1200)

    services.notify_later(users + users[:10], MESSAGE)
    assert _told() == []  # nothing before the caller commits
    uow.commit()  # the job runs (inline in the tests)

    assert _told() == [(user_id, "live_reminder:7") for user_id in users]


def test_fan_out_crashing_half_way_keeps_its_batches_and_a_retry_tells_nobody_twice(app, monkeypatch):
    users = _users(1200)
    real_notify, calls = services.notify, []

    def failing_third_batch(user_ids, message):
        calls.append(len(user_ids))
        if len(calls) == 3:
            raise ConnectionError("database went away")
        real_notify(user_ids, message)

    monkeypatch.setattr(services, "notify", failing_third_batch)
    with pytest.raises(ConnectionError):
        with uow.unit_of_work():
            services.fan_out(users, dataclasses.asdict(MESSAGE), batch_size=500)
    assert calls == [500, 500, 200] and len(_told()) == 1000

    monkeypatch.setattr(services, "notify", real_notify)
    with uow.unit_of_work():
        assert services.fan_out(users, dataclasses.asdict(MESSAGE), batch_size=500) == 1200

    assert _told() == [(user_id, "live_reminder:7") for user_id in users]
