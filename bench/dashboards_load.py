"""Load a PostgreSQL database (migrated, demo markets seeded without history) with a year of sales for the
dashboards benchmark: at least ITEMS order items over DAYS days across the two demo markets, with their orders,
stall orders, payments, refunds, quick pays, weekly payouts and the ledger rows the app would have written
(same rules: commission per sale at the market's rate, shared over lines; refunds with the commission they give
back; shopper_since; one order_count per order). Everything goes in with COPY (psycopg), then VACUUM ANALYZE.

    DATABASE_URL=postgresql+psycopg://... python bench/dashboards_load.py [--items 1000000] [--days 365]
"""

import argparse
import importlib.util
import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa

from market_app.core.money import commission_on, split_exactly

SEOUL = ZoneInfo("Asia/Seoul")
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"
ROLLUPS = (("2026_11_25_0009_ledger.py", "_roll_up"), ("2026_11_26_0011_ledger_product_days.py", "roll_up"))
HOURS = {9: 2, 10: 4, 11: 7, 12: 9, 13: 7, 14: 4, 15: 4, 16: 5, 17: 8, 18: 10, 19: 9, 20: 6, 21: 3}
SHOPPERS = 30_000


def _pg_url() -> str:
    url = sa.make_url(os.environ["DATABASE_URL"])
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Ids:
    def __init__(self, conn: psycopg.Connection, tables: list[str]):
        self.next = {t: conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0] for t in tables}

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Copier:
    """Rows buffered per table and sent by COPY in batches (foreign keys are not checked row by row: the
    session runs as a replica, the rows are consistent by construction)."""

    COLUMNS = {
        "users": "id, email, name, password_hash, is_platform_admin, created_at, updated_at",
        "orders": "id, reference, user_id, market_id, status, fulfillment, subtotal, delivery_fee, discount, total, "
                  "idempotency_key, request_hash, expires_at, paid_at, closed_at, created_at, updated_at, "
                  "delivery_address",
        "stall_orders": "id, order_id, stall_id, status, subtotal, notified_at, closed_at, created_at, updated_at",
        "order_items": "id, stall_order_id, product_id, name, unit, unit_price, list_price, quantity, line_total, "
                       "reserved_quantity, live_session_id",
        "payments": "id, kind, order_id, stall_id, market_id, amount, currency, status, payment_intent_id, "
                    "client_secret, succeeded_at, created_at, updated_at",
        "quick_pay_requests": "id, token, stall_id, amount, memo, status, payment_id, created_by_id, paid_at, "
                              "created_at, updated_at",
        "refunds": "id, payment_id, stall_order_id, amount, reason, status, stripe_refund_id, created_at, updated_at",
        "ledger_entries": "id, kind, source, market_id, stall_id, local_date, occurred_at, gross, refund, commission, "
                          "commission_bps, sale_id, order_id, stall_order_id, quick_pay_id, refund_id, user_id, "
                          "shopper_since, order_count, live_session_id, live_gross, category, fulfillment, "
                          "settleable_at",
        "ledger_lines": "id, entry_id, market_id, stall_id, local_date, order_item_id, product_id, name, unit_price, "
                        "quantity, gross, commission, live_session_id",
        "payouts": "id, market_id, stall_id, period_start, period_end, gross, refunds, commission, net, "
                   "commission_bps, method, status, transfer_group, created_by_id, created_at, updated_at",
        "payout_lines": "id, payout_id, stall_order_id, quick_pay_id, sold_at, gross, refunds, commission, net, "
                        "commission_bps",
    }

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.rows = {table: [] for table in self.COLUMNS}
        self.counts = dict.fromkeys(self.COLUMNS, 0)

    # Columns the load leaves at zero (no stall pays a share of a free delivery here), written after the others.
    ZEROS = {"ledger_entries": ("delivery_fee",), "payouts": ("delivery_fees",), "payout_lines": ("delivery_fee",)}

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row + (0,) * len(self.ZEROS.get(table, ())))
        if len(self.rows[table]) >= 50_000:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.COLUMNS):
            rows, self.rows[name] = self.rows[name], []
            if rows:
                columns = ", ".join((self.COLUMNS[name], *self.ZEROS.get(name, ())))
                with self.conn.cursor().copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                self.counts[name] += len(rows)


def load(items_wanted: int, days: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    conn = psycopg.connect(_pg_url())
    conn.execute("SET session_replication_role = replica")  # the rows are consistent by construction: skip FK checks
    tables = list(Copier.COLUMNS)
    ids = Ids(conn, tables)
    out = Copier(conn)
    # (id, timezone, commission_bps, delivery fee, free delivery from): a flat fee is enough for the figures here.
    markets = conn.execute("SELECT id, timezone, commission_bps, 3000, 30000 FROM markets ORDER BY id").fetchall()
    stalls = conn.execute("SELECT id, market_id, category, owner_id FROM stalls ORDER BY id").fetchall()
    products = conn.execute("SELECT id, stall_id, name, unit, price FROM products WHERE price > 0 "
                            "ORDER BY id").fetchall()
    admin = conn.execute("SELECT id FROM users WHERE is_platform_admin LIMIT 1").fetchone()[0]
    by_stall: dict[int, list] = {}
    for product in products:
        by_stall.setdefault(product[1], []).append(product)
    now = datetime.now(UTC)
    shopper_ids = []
    for n in range(SHOPPERS):
        uid = ids.take("users")
        out.add("users", (uid, f"bench-shopper-{n}@example.com", f"손님{n}", "!", False, now, now))
        shopper_ids.append(uid)
    regulars = shopper_ids[: SHOPPERS // 10]
    first_day: dict[tuple[int, int], date] = {}
    today = now.astimezone(SEOUL).date()
    start = today - timedelta(days=days - 1)
    per_day = items_wanted / days / len(markets) / 2.05  # items per order come out near 2.05
    items_made = 0
    settle: dict[tuple, list] = {}  # (market, stall, week start) -> [(kind, id, sold_at, gross, refunds, comm, bps)]
    for market_id, tz, bps, fee, free_over in markets:
        zone = ZoneInfo(tz)
        market_stalls = [s for s in stalls if s[1] == market_id and by_stall.get(s[0])]
        weights = [1 / (rank + 2) for rank in range(len(market_stalls))]
        rng.shuffle(weights)
        live_stalls = {s[0] for s in market_stalls[:4]}
        for offset in range(days):
            day = start + timedelta(days=offset)
            factor = {5: 1.5, 6: 1.4, 0: 0.7}.get(day.weekday(), 1.0)
            for _ in range(max(1, round(rng.gauss(per_day * factor, per_day * 0.1)))):
                hour = rng.choices(list(HOURS), list(HOURS.values()))[0]
                paid_at = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60),
                                   tzinfo=zone).astimezone(UTC)
                if paid_at >= now:
                    continue
                user = rng.choice(regulars) if rng.random() < 0.5 else rng.choice(shopper_ids)
                since = first_day.setdefault((market_id, user), day)
                live_evening = day.weekday() in (1, 4) and hour in (18, 19)
                picked = set()
                for _ in range(rng.choices((1, 2, 3), (6, 3, 1))[0]):
                    picked.add(rng.choices(market_stalls, weights)[0])
                order_id = ids.take("orders")
                delivery = rng.random() < 0.35
                stall_rows, subtotal = [], 0
                for stall in sorted(picked):
                    live = live_evening and stall[0] in live_stalls
                    session = (day.toordinal() * 10 + stall[0] % 10) if live else None
                    lines = []
                    for product in rng.sample(by_stall[stall[0]], min(len(by_stall[stall[0]]), rng.choice((1, 2, 3)))):
                        qty = rng.choices((1, 2, 3), (7, 2, 1))[0]
                        price = max(100, product[4] * 9 // 10 // 100 * 100) if live else product[4]
                        lines.append((product, qty, price, session))
                    stall_subtotal = sum(qty * price for _p, qty, price, _s in lines)
                    subtotal += stall_subtotal
                    stall_rows.append((stall, lines, stall_subtotal, session))
                delivery_fee = fee if delivery and not (free_over and subtotal >= free_over) else 0
                closed = paid_at + timedelta(hours=2)
                recent = paid_at > now - timedelta(hours=18)
                out.add("orders", (order_id, str(uuid.uuid4()), user, market_id, "preparing" if recent else "completed",
                                   "delivery" if delivery else "pickup", subtotal, delivery_fee, 0,
                                   subtotal + delivery_fee, f"bench-{order_id}", "0" * 64, paid_at, paid_at,
                                   None if recent else closed, paid_at, paid_at, "서울" if delivery else None))
                payment_id = ids.take("payments")
                out.add("payments", (payment_id, "order", order_id, None, market_id, subtotal + delivery_fee, "krw",
                                     "succeeded", f"pi_bench_{order_id}", "bench", paid_at, paid_at, paid_at))
                for position, (stall, lines, stall_subtotal, session) in enumerate(stall_rows):
                    so_id = ids.take("stall_orders")
                    status = "accepted" if recent else "handed_over"
                    out.add("stall_orders", (so_id, order_id, stall[0], status, stall_subtotal, paid_at,
                                             None if recent else closed, paid_at, paid_at))
                    commission = commission_on(stall_subtotal, bps)
                    entry_id = ids.take("ledger_entries")
                    live_gross = stall_subtotal if session else 0
                    out.add("ledger_entries", (entry_id, "sale", f"stall_order:{so_id}", market_id, stall[0], day,
                                               paid_at, stall_subtotal, 0, commission, bps, None, order_id, so_id, None,
                                               None, user, since, int(position == 0), session, live_gross, stall[2],
                                               "delivery" if delivery else "pickup", None if recent else closed))
                    line_weights = {n: qty * price for n, (_p, qty, price, _s) in enumerate(lines)}
                    shares = split_exactly(commission, line_weights).values()
                    for (product, qty, price, line_session), share in zip(lines, shares, strict=True):
                        item_id = ids.take("order_items")
                        out.add("order_items", (item_id, so_id, product[0], product[2], product[3], price, product[4],
                                                qty, qty * price, 0, line_session))
                        out.add("ledger_lines", (ids.take("ledger_lines"), entry_id, market_id, stall[0], day, item_id,
                                                 product[0], product[2], price, qty, qty * price, share, line_session))
                        items_made += 1
                    refunded, refund_commission = 0, 0
                    if not recent and rng.random() < 0.05:
                        amount = max(100, stall_subtotal * rng.choice((1, 2, 3, 10)) // 10 // 100 * 100)
                        amount = min(amount, stall_subtotal)
                        at = min(now - timedelta(minutes=1), paid_at + timedelta(days=rng.choice((0, 1, 2))))
                        refund_id = ids.take("refunds")
                        out.add("refunds", (refund_id, payment_id, so_id, amount, "bench", "succeeded",
                                            f"re_bench_{refund_id}", at, at))
                        refund_commission = commission_on(stall_subtotal - amount, bps) - commission
                        out.add("ledger_entries", (ids.take("ledger_entries"), "refund", f"refund:{refund_id}",
                                                   market_id, stall[0], at.astimezone(zone).date(), at, 0, amount,
                                                   refund_commission, bps, entry_id, order_id, so_id, None, refund_id,
                                                   user, since, 0, session, 0, stall[2],
                                                   "delivery" if delivery else "pickup", None))
                        refunded = amount
                    if not recent:
                        week = day - timedelta(days=day.weekday())
                        settle.setdefault((market_id, stall[0], week), []).append(
                            ("so", so_id, paid_at, stall_subtotal, refunded, commission + refund_commission, bps))
            for _ in range(rng.randint(10, 20)):  # in-person sales at the stalls
                stall = rng.choices(market_stalls, weights)[0]
                paid_at = datetime(day.year, day.month, day.day, rng.randrange(9, 21), rng.randrange(60),
                                   tzinfo=zone).astimezone(UTC)
                if paid_at >= now:
                    continue
                amount = rng.randrange(3000, 40001, 500)
                payment_id, qp_id = ids.take("payments"), ids.take("quick_pay_requests")
                out.add("payments", (payment_id, "quick_pay", None, stall[0], market_id, amount, "krw", "succeeded",
                                     f"pi_bench_qp_{qp_id}", "bench", paid_at, paid_at, paid_at))
                out.add("quick_pay_requests", (qp_id, f"bench-{qp_id}", stall[0], amount, "현장", "paid", payment_id,
                                               stall[3], paid_at, paid_at, paid_at))
                commission = commission_on(amount, bps)
                out.add("ledger_entries", (ids.take("ledger_entries"), "in_person_sale", f"quick_pay:{qp_id}",
                                           market_id, stall[0], day, paid_at, amount, 0, commission, bps, None, None,
                                           None, qp_id, None, None, None, 0, None, 0, stall[2], None, paid_at))
                week = day - timedelta(days=day.weekday())
                settle.setdefault((market_id, stall[0], week), []).append(
                    ("qp", qp_id, paid_at, amount, 0, commission, bps))
    _payouts(out, ids, settle, today, admin, now)
    out.flush()
    _roll_up(conn)
    for table in tables:
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {ids.next[table]})")
    conn.commit()
    conn.close()
    return {"items": items_made, **out.counts}


def _roll_up(conn: psycopg.Connection) -> None:
    """ledger_days and ledger_product_days from the loaded ledger rows, as migrations 0009 and 0011 backfill them."""
    conn.commit()
    with sa.create_engine(os.environ["DATABASE_URL"]).begin() as engine_conn:
        # From every ledger row, the demo's few sales of today included (the app rolled those up already).
        engine_conn.execute(sa.text("DELETE FROM ledger_days; DELETE FROM ledger_product_days"))
        for filename, function in ROLLUPS:
            spec = importlib.util.spec_from_file_location(filename[:-3], MIGRATIONS / filename)
            migration = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(migration)
            getattr(migration, function)(engine_conn)


def _payouts(out: Copier, ids: Ids, settle: dict, today: date, admin: int, now: datetime) -> None:
    """Weekly payouts of every week that ended a week ago: paid, but the last one pending."""
    last_week = today - timedelta(days=today.weekday() + 7)
    for (market_id, stall_id, week), sales in sorted(settle.items()):
        if week >= last_week:
            continue
        payout_id = ids.take("payouts")
        gross, refunds, commission = (sum(s[i] for s in sales) for i in (3, 4, 5))
        out.add("payouts", (payout_id, market_id, stall_id, week, week + timedelta(days=6), gross, refunds,
                            commission, gross - refunds - commission, sales[-1][6], "bank_transfer",
                            "pending" if week == last_week - timedelta(days=7) else "paid",
                            f"market-{market_id}-{week}", admin, now, now))
        for kind, sale_id, sold_at, g, r, c, bps in sales:
            out.add("payout_lines", (ids.take("payout_lines"), payout_id, sale_id if kind == "so" else None,
                                     sale_id if kind == "qp" else None, sold_at, g, r, c, g - r - c, bps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    started = time.monotonic()
    counts = load(args.items, args.days)
    loaded = time.monotonic() - started
    with psycopg.connect(_pg_url(), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"loaded in {loaded:.0f} s, vacuum analyze in {time.monotonic() - started - loaded:.0f} s")
    for table, count in counts.items():
        print(f"  {table:20} {count:>10,}")


if __name__ == "__main__":
    main()
