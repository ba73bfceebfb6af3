"""The task worker pays each market's last local week out on Monday: once per sale however often it runs,
only weeks that are over in the market's own timezone."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from market_app.core import uow
from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.settlement import services
from market_app.settlement.models import Payout, PayoutLine
from tests.helpers import handed_over_last_week


def _queue(now: datetime) -> int:
    with uow.unit_of_work():  # as the periodic job runs it
        return services.queue_weekly_payouts(now)


def _payouts() -> list[Payout]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Payout).order_by(Payout.id)).all()


def test_last_week_is_the_previous_monday_to_sunday_in_local_days():
    # Monday 2026-11-30 00:30 in Seoul is still Sunday 15:30 UTC.
    monday_morning_seoul = datetime(2026, 11, 29, 15, 30, tzinfo=UTC)

    assert services.last_week(monday_morning_seoul, "Asia/Seoul") == (datetime(2026, 11, 23).date(),
                                                                       datetime(2026, 11, 29).date())
    assert services.last_week(monday_morning_seoul, "UTC") == (datetime(2026, 11, 16).date(),
                                                               datetime(2026, 11, 22).date())


def test_weekly_run_pays_a_sale_of_last_week_once_however_often_it_runs(client, shop, paid_order):
    stall_order_id = handed_over_last_week(client, shop, paid_order)
    monday, sunday = services.last_week(utcnow(), shop.market.timezone)

    first = services.run_week_payouts(shop.market.id, monday.isoformat())
    second = services.run_week_payouts(shop.market.id, monday.isoformat())

    assert (first, second) == (1, 0)
    [payout] = _payouts()
    assert (payout.stall_id, payout.period_start, payout.period_end) == (shop.stands[0].stall.id, monday, sunday)
    assert (payout.gross, payout.commission, payout.net, payout.created_by_id) == (6000, 180, 5820, None)
    assert [line.stall_order_id for line in db.session.scalars(sa.select(PayoutLine))] == [stall_order_id]


def test_weekly_run_leaves_a_week_that_is_not_over_in_the_market(client, shop, paid_order):
    handed_over_last_week(client, shop, paid_order)
    this_monday = services.last_week(utcnow(), shop.market.timezone)[0] + timedelta(days=7)

    assert services.run_week_payouts(shop.market.id, this_monday.isoformat()) == 0
    assert _payouts() == []


def test_monday_from_three_in_the_morning_local_queues_each_market_whose_monday_it_is(client, make, shop, paid_order):
    handed_over_last_week(client, shop, paid_order)
    make.market(timezone="UTC")  # still Sunday there
    monday = services.last_week(utcnow(), shop.market.timezone)[0] + timedelta(days=7)
    seoul_monday_0230 = datetime(monday.year, monday.month, monday.day, tzinfo=UTC) - timedelta(hours=6, minutes=30)

    assert _queue(seoul_monday_0230) == 0
    # Jobs run inline in the tests: the Seoul market's last week is paid out once the queueing job commits.
    assert _queue(seoul_monday_0230 + timedelta(hours=1)) == 1
    assert len(_payouts()) == 1
    assert _queue(seoul_monday_0230 + timedelta(hours=2)) == 1
    assert len(_payouts()) == 1
