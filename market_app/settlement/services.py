"""Settlement and payouts: each sale's gross, refunds, commission and net, and the payout run that pays
each stall once per sale (by Stripe Transfer where the stall has a connected account, else by bank
transfer against a settlement statement)."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.core import jobs
from market_app.core.csvutil import to_csv
from market_app.core.db import db, lock_row, utcnow
from market_app.core.errors import Conflict, InvalidTransition
from market_app.core.timeutil import local_date, local_day_bounds
from market_app.markets.models import Market, Stall
from market_app.orders.models import StallOrder
from market_app.settlement import ledger, transfers
from market_app.settlement.models import SALE_KINDS, LedgerEntry, Payout, PayoutLine, PayoutMethod

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sale:
    """A sale as the ledger has it now: its gross, what was refunded and the commission at its own rate."""

    stall_id: int
    sold_at: datetime
    gross: int
    refunds: int
    commission: int
    delivery_fee: int
    commission_bps: int
    stall_order_id: int | None = None
    quick_pay_id: int | None = None

    @property
    def net(self) -> int:
        return self.gross - self.refunds - self.commission - self.delivery_fee

    def line(self) -> PayoutLine:
        return PayoutLine(stall_order_id=self.stall_order_id, quick_pay_id=self.quick_pay_id, sold_at=self.sold_at,
                          gross=self.gross, refunds=self.refunds, commission=self.commission,
                          delivery_fee=self.delivery_fee, net=self.net, commission_bps=self.commission_bps)


def unsettled_sale_entries(stall_filter, start: datetime | None, end: datetime) -> sa.Select:
    """Ledger sales that may be paid out (handed over, or paid in person) in [start, end) and no payout holds.
    NOT EXISTS, not NOT IN: an anti-join on the payout lines' unique keys, whatever their number."""
    by_order = sa.select(PayoutLine.id).where(PayoutLine.stall_order_id == LedgerEntry.stall_order_id)
    by_quick = sa.select(PayoutLine.id).where(PayoutLine.quick_pay_id == LedgerEntry.quick_pay_id)
    stmt = sa.select(LedgerEntry).where(
        stall_filter, LedgerEntry.kind.in_(SALE_KINDS), LedgerEntry.settleable_at < end,
        ~by_order.exists(), ~by_quick.exists(),
    )
    if start is not None:
        stmt = stmt.where(LedgerEntry.settleable_at >= start)
    return stmt.order_by(LedgerEntry.id)


def expected_payout(stall_filter, end: datetime) -> tuple[int, int]:
    """(net, number of sales) the next payout run would pay for sales payable before end, in two aggregates."""
    unsettled = unsettled_sale_entries(stall_filter, None, end).order_by(None).subquery()
    count, of_sales = db.session.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(unsettled.c.gross - unsettled.c.commission), 0))).one()
    of_refunds = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(-LedgerEntry.refund - LedgerEntry.commission - LedgerEntry.delivery_fee),
                                   0))
        .where(LedgerEntry.sale_id.in_(sa.select(unsettled.c.id))))
    return int(of_sales) + int(of_refunds), int(count)


def sales_from(entries: list[LedgerEntry]) -> list[Sale]:
    totals = ledger.sale_totals([entry.id for entry in entries])
    return [Sale(entry.stall_id, entry.occurred_at, entry.gross, *totals[entry.id], entry.commission_bps,
                 stall_order_id=entry.stall_order_id, quick_pay_id=entry.quick_pay_id)
            for entry in entries]


def unsettled_sales(market: Market, start: datetime, end: datetime) -> list[Sale]:
    """Sales completed in [start, end) that no payout holds yet: handed-over stall orders and paid quick pays,
    read from the ledger with their refunds and the commission at the rate of the sale."""
    entries = db.session.scalars(unsettled_sale_entries(LedgerEntry.market_id == market.id, start, end)).all()
    # A refund of the same sale locks its stall order too: take the locks (in id order), then read the refunds
    # that committed before them, so the payout and a refund never both count the same won.
    for stall_order_id in sorted(e.stall_order_id for e in entries if e.stall_order_id is not None):
        lock_row(StallOrder, stall_order_id)
    return sales_from(entries)


def run_payouts(market: Market, first_day: date, last_day: date, actor: User | None) -> list[Payout]:
    """Create one payout per stall for its unsettled sales of the period (local days), and send the Stripe
    transfers once they are committed (those Stripe does not confirm then, the transfer sweep sends). The unique
    keys on payout lines refuse a second payout of the same sale, also when two runs race."""
    payouts = build_payouts(market, first_day, last_day, actor)
    payout_ids = [payout.id for payout in payouts]
    if payout_ids:  # sent by the worker once committed: a run of many stalls never holds the request on Stripe
        jobs.enqueue(transfers.SEND_JOB, payout_ids)
    return payouts


def build_payouts(market: Market, first_day: date, last_day: date, actor: User | None) -> list[Payout]:
    """The payouts of a period, written (flushed), nothing sent."""
    start, end = local_day_bounds(first_day, last_day, market.timezone)
    by_stall: dict[int, list[Sale]] = {}
    for sale in unsettled_sales(market, start, end):
        by_stall.setdefault(sale.stall_id, []).append(sale)
    stalls = {s.id: s for s in db.session.scalars(sa.select(Stall).where(Stall.id.in_(by_stall)))}
    payouts = []
    for stall_id, sales in sorted(by_stall.items()):
        lines = [sale.line() for sale in sales]
        stall = stalls[stall_id]
        payout = Payout(
            market_id=market.id, stall_id=stall_id, period_start=first_day, period_end=last_day,
            gross=sum(x.gross for x in lines), refunds=sum(x.refunds for x in lines),
            commission=sum(x.commission for x in lines), delivery_fees=sum(x.delivery_fee for x in lines),
            net=sum(x.net for x in lines),
            # Each line keeps its sale's own rate; the payout shows the rate of its latest sale.
            commission_bps=lines[-1].commission_bps, lines=lines, created_by_id=actor.id if actor else None,
            method=PayoutMethod.STRIPE_TRANSFER if stall.stripe_account_id else PayoutMethod.BANK_TRANSFER,
            transfer_group=f"market-{market.id}-{first_day.isoformat()}-{last_day.isoformat()}",
        )
        payouts.append(payout)
    try:
        with db.session.begin_nested():
            db.session.add_all(payouts)
    except sa.exc.IntegrityError as error:
        raise Conflict("These sales were just paid out by another run.") from error
    return payouts


# --- the weekly run ------------------------------------------------------------------------------------

WEEKLY_RUN_JOB = "settlement.run_week"
WEEKLY_RUN_FROM_HOUR = 3  # local time on Monday: late hand-overs of Sunday night are in


def last_week(now: datetime, timezone: str) -> tuple[date, date]:
    """The last complete Monday-Sunday in the market's local days."""
    today = local_date(now, timezone)
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def queue_weekly_payouts(now: datetime | None = None) -> int:
    """The hourly periodic job: on Monday from 03:00 local time, each market's last week is paid out by a job of
    its own. The hours after the first find every sale of that week settled and pay nothing (and a worker
    that was down at 03:00 still pays on Monday)."""
    now = now or utcnow()
    queued = 0
    for market_id, timezone in db.session.execute(sa.select(Market.id, Market.timezone).order_by(Market.id)):
        local_now = now.astimezone(ZoneInfo(timezone))
        if local_now.weekday() == 0 and local_now.hour >= WEEKLY_RUN_FROM_HOUR:
            jobs.enqueue(WEEKLY_RUN_JOB, market_id, last_week(now, timezone)[0].isoformat())
            queued += 1
    return queued


def run_week_payouts(market_id: int, monday: str) -> int:
    """One market's payouts for the week starting monday (ISO date); safe to run twice: a sale already paid
    out is not in unsettled_sales, and two runs racing are refused by the payout lines' unique keys (the job
    is retried and then finds the rest)."""
    market = db.session.get(Market, market_id)
    first_day = date.fromisoformat(monday)
    last_day = first_day + timedelta(days=6)
    if market is None or last_day >= local_date(utcnow(), market.timezone):
        return 0  # the market is gone, or that week is not over there yet
    payouts = run_payouts(market, first_day, last_day, actor=None)
    log.info("weekly payouts of market %s for %s..%s: %d", market_id, first_day, last_day, len(payouts))
    return len(payouts)


def refuse_refund_once_paid_out(stall_order: StallOrder) -> None:
    """A refund guard (orders calls it with the stall order's row locked, as run_payouts locks it)."""
    if db.session.scalar(sa.select(PayoutLine.id).filter_by(stall_order_id=stall_order.id)) is not None:
        raise InvalidTransition("This sale was already paid out to the stall; settle the difference offline.")


STATEMENT_COLUMNS = ("payout_id", "stall_id", "stall_name", "period_start", "period_end", "method", "status",
                     "sale", "sold_at", "gross", "refunds", "commission", "delivery_fee", "net")


def statement_csv(payouts: list[Payout]) -> str:
    """Settlement statement: one row per sale, then a total row per payout, for bank transfers and records."""
    names = dict(db.session.execute(sa.select(Stall.id, Stall.name)
                                    .where(Stall.id.in_({p.stall_id for p in payouts}))).all())
    rows = []
    for payout in payouts:
        head = [payout.id, payout.stall_id, names.get(payout.stall_id, ""), payout.period_start, payout.period_end,
                payout.method.value, payout.status.value]
        for line in payout.lines:
            sale = f"stall_order:{line.stall_order_id}" if line.stall_order_id else f"quick_pay:{line.quick_pay_id}"
            rows.append(head + [sale, line.sold_at.isoformat(), line.gross, line.refunds, line.commission,
                                line.delivery_fee, line.net])
        rows.append(head + ["TOTAL", "", payout.gross, payout.refunds, payout.commission, payout.delivery_fees,
                            payout.net])
    return to_csv(STATEMENT_COLUMNS, rows)


def payouts_query(market: Market, first_day: date | None = None, last_day: date | None = None) -> sa.Select:
    stmt = sa.select(Payout).where(Payout.market_id == market.id)
    if first_day:
        stmt = stmt.where(Payout.period_end >= first_day)
    if last_day:
        stmt = stmt.where(Payout.period_start <= last_day)
    return stmt.order_by(Payout.id.desc())
