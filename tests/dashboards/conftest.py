"""The dashboards' hand-computed books: one market at 3.33 % in Seoul, three stalls, three shoppers, a week of
sales written at exact times (see BOOK below for every figure worked out by hand)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from market_app.demo import past_orders
from market_app.demo.past_orders import Line
from market_app.extensions import db
from market_app.live.models import LiveSession, LiveStatus
from market_app.orders.models import Fulfillment, StallOrderStatus
from market_app.settlement.models import Payout, PayoutLine, PayoutMethod, PayoutStatus

SEOUL = ZoneInfo("Asia/Seoul")
PERIOD = {"from": "2026-03-01", "to": "2026-03-07"}


def seoul(text: str) -> datetime:
    """'2026-03-01 00:30' in Seoul as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SEOUL).astimezone(UTC)


@dataclass
class Books:
    market: object
    admin: dict
    kim: dict  # owns 채소 (A) and 수산 (B)
    lee: dict  # owns =떡집 (C)
    shopper: dict
    courier: dict
    a: object
    b: object
    c: object
    pending: object
    products: dict
    orders: dict
    quick_pay: object
    users: dict  # admin, kim, lee: for signing in through the pages


@pytest.fixture
def books(make) -> Books:
    """The week 2026-03-01..07 (and the week before) by hand, 333 bps, commission rounded down per sale:

    O1 s1 02-28 23:30 KST (14:30Z): A 애호박x1 3,333 (comm 110)                      -> previous period
    O2 s1 03-01 00:30 KST (02-28 15:30Z, a UTC date of the day before), delivery:
         A 애호박x2 6,666 + 감자x1 1,000 = 7,666 (comm 255), B 갈치x1 9,999 (comm 332)
    Q1 in person at A 03-02 09:00: 12,345 (comm 411)
    R3 03-02: 333 back on O1's A part (sale of the week before): comm 110 -> 99, gives back 11
    O3 s2 03-03 12:00: A 감자x1 at live price 900 (session 7) + 애호박x1 3,333 = 4,233 (comm 140),
         C 떡x1 7,777 (comm 258)
    R1 03-04: 1,000 back on O2's A part: comm 255 -> 221, gives back 34
    O4 s3 03-05 18:00: B 갈치x2 at live session 8 = 19,998 (comm 665)
    R2 03-06: 9,999 back on O4's B part: comm 665 -> 332, gives back 333
    O5 s2 03-08 00:10 KST (03-07 15:10Z): C 떡x1 7,777                                 -> after the period
    Q1's sale is in a paid payout; O2/A is handed over, O3/A accepted, the rest handed over.
    """
    market = make.market(commission_bps=333, timezone="Asia/Seoul")
    kim, lee = make.user("김상인"), make.user("이상인")
    a = make.stall(market, owner=kim, name="김씨네 채소", category="produce")
    b = make.stall(market, owner=kim, name="바다수산", category="seafood")
    c = make.stall(market, owner=lee, name="=떡집", category="rice_cakes")
    pending = make.stall(market, owner=lee, name="새가게", status="pending")
    products = {"애호박": make.product(a, "애호박", 3333, 10), "감자": make.product(a, "감자", 1000, 2),
                "갈치": make.product(b, "갈치", 9999, 50), "떡": make.product(c, "떡", 7777, None)}
    s1, s2, s3 = make.user("손님"), make.user("손님"), make.user("손님")
    db.session.add_all([  # the sessions O3 and O4 bought at (ids fixed: the figures below name them)
        LiveSession(id=7, stall_id=a.id, market_id=market.id, title="감자 캐는 날", status=LiveStatus.ENDED,
                    starts_at=seoul("2026-03-03 11:30"), ends_at=seoul("2026-03-03 12:30")),
        LiveSession(id=8, stall_id=b.id, market_id=market.id, title="제주 갈치 라이브", status=LiveStatus.ENDED,
                    starts_at=seoul("2026-03-05 17:30"), ends_at=seoul("2026-03-05 18:30"))])
    db.session.flush()
    admin, courier = make.member(market, "admin"), make.member(market, "courier")
    p = products
    orders = {
        "O1": past_orders.paid_order(market, s1.id, [Line(p["애호박"], 1)], seoul("2026-02-28 23:30")),
        "O2": past_orders.paid_order(market, s1.id, [Line(p["애호박"], 2), Line(p["감자"], 1), Line(p["갈치"], 1)],
                                     seoul("2026-03-01 00:30"), fulfillment=Fulfillment.DELIVERY,
                                     delivery_fee=3000),
    }
    quick = past_orders.quick_pay(a, kim.id, 12345, seoul("2026-03-02 09:00"), "현장 판매")
    past_orders.refund(orders["O1"], orders["O1"].stall_orders[0], 333, seoul("2026-03-02 15:00"))
    orders["O3"] = past_orders.paid_order(
        market, s2.id, [Line(p["감자"], 1, 900, 7), Line(p["애호박"], 1), Line(p["떡"], 1)], seoul("2026-03-03 12:00"),
        statuses={a.id: StallOrderStatus.ACCEPTED})
    past_orders.refund(orders["O2"], orders["O2"].stall_orders[0], 1000, seoul("2026-03-04 10:00"))
    orders["O4"] = past_orders.paid_order(market, s3.id, [Line(p["갈치"], 2, 9999, 8)], seoul("2026-03-05 18:00"))
    past_orders.refund(orders["O4"], orders["O4"].stall_orders[0], 9999, seoul("2026-03-06 11:00"))
    orders["O5"] = past_orders.paid_order(market, s2.id, [Line(p["떡"], 1)], seoul("2026-03-08 00:10"))
    payout = Payout(market_id=market.id, stall_id=a.id, period_start=date(2026, 3, 2), period_end=date(2026, 3, 2),
                    gross=12345, refunds=0, commission=411, net=11934, commission_bps=333,
                    method=PayoutMethod.BANK_TRANSFER, status=PayoutStatus.PAID, transfer_group="t",
                    lines=[PayoutLine(quick_pay_id=quick.id, sold_at=quick.paid_at, gross=12345, refunds=0,
                                      commission=411, net=11934, commission_bps=333)])
    db.session.add(payout)
    db.session.commit()
    return Books(market, make.headers(admin), make.headers(kim), make.headers(lee), make.headers(s1),
                 make.headers(courier), a, b, c, pending, products, orders, quick,
                 {"admin": admin, "kim": kim, "lee": lee})


@pytest.fixture
def count_statements(app):
    """Count the SQL statements a block runs (every engine: the app's and a reporting replica's)."""

    class Counter:
        def __init__(self):
            self.statements: list[str] = []

        def __enter__(self):
            sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._record)
            return self

        def __exit__(self, *exc):
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", self._record)

        def _record(self, _conn, _cursor, statement, *_args):
            # The savepoints the rolled-back test transaction puts around commits are not the app's statements.
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                self.statements.append(statement)

        @property
        def count(self) -> int:
            return len(self.statements)

    return Counter
