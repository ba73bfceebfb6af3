"""ledger: one sales ledger (sales, in-person sales, refunds by local day) read by payouts and dashboards;
payout lines keep the commission rate of their sale. Backfilled from the orders, quick pays and refunds there.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 22:00:00
"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_DAY = ("online_gross", "in_person_gross", "in_person_count", "stall_orders", "refunds", "commission", "orders",
        "live_gross", "live_orders")
_WON = {"online_gross", "in_person_gross", "refunds", "commission", "live_gross"}
LEDGER_KIND = sa.Enum("sale", "in_person_sale", "refund", name="ledgerkind", native_enum=False, length=20)


def upgrade():
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", LEDGER_KIND, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gross", sa.Integer(), nullable=False),
        sa.Column("refund", sa.Integer(), nullable=False),
        sa.Column("commission", sa.Integer(), nullable=False),
        sa.Column("commission_bps", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("stall_order_id", sa.Integer(), nullable=True),
        sa.Column("quick_pay_id", sa.Integer(), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("shopper_since", sa.Date(), nullable=True),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("live_session_id", sa.Integer(), nullable=True),
        sa.Column("live_gross", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("fulfillment", sa.String(length=20), nullable=True),
        sa.Column("settleable_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("gross >= 0", name=op.f("ck_ledger_entries_gross_not_negative")),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"], name=op.f("fk_ledger_entries_market_id_markets")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_ledger_entries_order_id_orders")),
        sa.ForeignKeyConstraint(["quick_pay_id"], ["quick_pay_requests.id"],
                                name=op.f("fk_ledger_entries_quick_pay_id_quick_pay_requests")),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"], name=op.f("fk_ledger_entries_refund_id_refunds")),
        sa.ForeignKeyConstraint(["sale_id"], ["ledger_entries.id"],
                                name=op.f("fk_ledger_entries_sale_id_ledger_entries")),
        sa.ForeignKeyConstraint(["stall_id"], ["stalls.id"], name=op.f("fk_ledger_entries_stall_id_stalls")),
        sa.ForeignKeyConstraint(["stall_order_id"], ["stall_orders.id"],
                                name=op.f("fk_ledger_entries_stall_order_id_stall_orders")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ledger_entries_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("source", name=op.f("uq_ledger_entries_source")),
    )
    op.create_table(
        "ledger_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("order_item_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("gross", sa.Integer(), nullable=False),
        sa.Column("commission", sa.Integer(), nullable=False),
        sa.Column("live_session_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_ledger_lines_entry_id_ledger_entries"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"], name=op.f("fk_ledger_lines_market_id_markets")),
        sa.ForeignKeyConstraint(["order_item_id"], ["order_items.id"],
                                name=op.f("fk_ledger_lines_order_item_id_order_items")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_ledger_lines_product_id_products")),
        sa.ForeignKeyConstraint(["stall_id"], ["stalls.id"], name=op.f("fk_ledger_lines_stall_id_stalls")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_lines")),
        sa.UniqueConstraint("order_item_id", name=op.f("uq_ledger_lines_order_item_id")),
    )
    op.create_table(
        "ledger_days",
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("live_session_id", sa.Integer(), autoincrement=False, nullable=False),
        *[sa.Column(name, sa.BigInteger() if name in _WON else sa.Integer(), nullable=False) for name in _DAY],
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"], name=op.f("fk_ledger_days_market_id_markets")),
        sa.ForeignKeyConstraint(["stall_id"], ["stalls.id"], name=op.f("fk_ledger_days_stall_id_stalls")),
        sa.PrimaryKeyConstraint("market_id", "local_date", "stall_id", "category", "live_session_id",
                                name=op.f("pk_ledger_days")),
    )
    with op.batch_alter_table("payout_lines") as batch_op:
        batch_op.add_column(sa.Column("commission_bps", sa.Integer(), nullable=True))
    op.execute("UPDATE payout_lines SET commission_bps = "
               "(SELECT payouts.commission_bps FROM payouts WHERE payouts.id = payout_lines.payout_id)")
    with op.batch_alter_table("payout_lines") as batch_op:
        batch_op.alter_column("commission_bps", existing_type=sa.Integer(), nullable=False)

    _backfill(op.get_bind())
    _roll_up(op.get_bind())
    _create_indexes()


def _create_indexes():
    """After the backfill: one index build instead of index upkeep on every backfilled row."""
    op.create_index("ix_ledger_entries_market_day", "ledger_entries", ["market_id", "local_date", "stall_id"])
    op.create_index("ix_ledger_entries_stall_day", "ledger_entries", ["stall_id", "local_date"],
                    postgresql_include=["kind", "gross", "refund", "commission", "sale_id"])
    op.create_index("ix_ledger_entries_shopper", "ledger_entries", ["market_id", "user_id", "local_date"])
    op.create_index("ix_ledger_entries_market_orders", "ledger_entries", ["market_id", "order_count", "local_date"],
                    postgresql_include=["user_id", "shopper_since"])
    op.create_index("ix_ledger_days_stall_day", "ledger_days", ["stall_id", "local_date"])
    op.create_index("ix_ledger_entries_settleable", "ledger_entries", ["market_id", "settleable_at"])
    op.create_index(op.f("ix_ledger_entries_quick_pay_id"), "ledger_entries", ["quick_pay_id"])
    op.create_index(op.f("ix_ledger_entries_sale_id"), "ledger_entries", ["sale_id"])
    op.create_index(op.f("ix_ledger_entries_stall_order_id"), "ledger_entries", ["stall_order_id"])
    op.create_index(op.f("ix_ledger_lines_entry_id"), "ledger_lines", ["entry_id"])
    op.create_index("ix_ledger_lines_market_day", "ledger_lines", ["market_id", "local_date"])
    op.create_index("ix_ledger_lines_stall_day", "ledger_lines", ["stall_id", "local_date"],
                    postgresql_include=["product_id", "quantity", "gross"])


def _roll_up(conn):
    """ledger_days from the backfilled rows: the sums LedgerDay keeps (see settlement.ledger.day_figures)."""
    conn.execute(sa.text(
        "INSERT INTO ledger_days (market_id, local_date, stall_id, category, live_session_id, " + ", ".join(_DAY)
        + ") SELECT market_id, local_date, stall_id, category, coalesce(live_session_id, 0), "
        "sum(CASE WHEN kind = 'sale' THEN gross ELSE 0 END), "
        "sum(CASE WHEN kind = 'in_person_sale' THEN gross ELSE 0 END), "
        "sum(CASE WHEN kind = 'in_person_sale' THEN 1 ELSE 0 END), sum(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END), "
        "sum(refund), sum(commission), sum(order_count), sum(live_gross), "
        "sum(CASE WHEN live_gross > 0 THEN 1 ELSE 0 END) "
        "FROM ledger_entries GROUP BY market_id, local_date, stall_id, category, coalesce(live_session_id, 0)"
    ))


# --- backfill: the rules of market_app/settlement/ledger.py, on the rows as they are at this revision --------
# Sales get the market's commission rate of today (the rate at the time of old sales was never kept).


def _commission(amount, bps):
    return amount * bps // 10_000 if amount > 0 else 0


def _allocate(total, weights):
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    parts = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _aware(value):
    if isinstance(value, str):  # SQLite hands DateTime back as text through a plain table
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _day(moment, zone):
    return _aware(moment).astimezone(ZoneInfo(zone)).date()


class _Writer:
    def __init__(self, conn):
        self.conn = conn
        meta = sa.MetaData()
        self.entries = sa.Table("ledger_entries", meta, autoload_with=conn)
        self.lines = sa.Table("ledger_lines", meta, autoload_with=conn)
        self.next_id = 1
        self.refunded = {}  # sale id -> refunded so far
        self.sales = {}  # source -> sale row

    def add(self, row, lines=()):
        row = {"id": self.next_id, "refund": 0, "gross": 0, "order_count": 0, "live_gross": 0, "sale_id": None,
               "order_id": None, "stall_order_id": None, "quick_pay_id": None, "refund_id": None, "user_id": None,
               "shopper_since": None, "live_session_id": None, "fulfillment": None, "settleable_at": None} | row
        self.next_id += 1
        self.conn.execute(self.entries.insert(), [row])
        if lines:
            self.conn.execute(self.lines.insert(), [line | {"entry_id": row["id"]} for line in lines])
        return row


def _backfill(conn):
    writer = _Writer(conn)
    markets = {m.id: m for m in conn.execute(sa.text("SELECT id, timezone, commission_bps FROM markets"))}
    stalls = {s.id: s for s in conn.execute(sa.text("SELECT id, market_id, category FROM stalls"))}
    items = {}
    for item in conn.execute(sa.text("SELECT id, stall_order_id, product_id, name, unit_price, quantity, line_total, "
                                     "live_session_id FROM order_items ORDER BY id")):
        items.setdefault(item.stall_order_id, []).append(item)
    first_day = {}
    sales = conn.execute(sa.text(
        "SELECT so.id, so.order_id, so.stall_id, so.subtotal, so.status, so.closed_at, o.market_id, o.user_id, "
        "o.paid_at, o.fulfillment FROM stall_orders so JOIN orders o ON o.id = so.order_id "
        "WHERE o.paid_at IS NOT NULL ORDER BY o.paid_at, so.id")).all()
    counted_orders = set()
    for sale in sales:
        market, stall = markets[sale.market_id], stalls[sale.stall_id]
        day = _day(sale.paid_at, market.timezone)
        since = first_day.setdefault((market.id, sale.user_id), day)
        lines = items.get(sale.id, [])
        commission = _commission(sale.subtotal, market.commission_bps)
        live = [item for item in lines if item.live_session_id is not None]
        row = writer.add({
            "kind": "sale", "source": f"stall_order:{sale.id}", "market_id": market.id, "stall_id": stall.id,
            "local_date": day, "occurred_at": _aware(sale.paid_at), "gross": sale.subtotal, "commission": commission,
            "commission_bps": market.commission_bps, "order_id": sale.order_id, "stall_order_id": sale.id,
            "user_id": sale.user_id, "shopper_since": since, "order_count": int(sale.order_id not in counted_orders),
            "live_session_id": live[0].live_session_id if live else None,
            "live_gross": sum(item.line_total for item in live), "category": stall.category,
            "fulfillment": sale.fulfillment,
            "settleable_at": _aware(sale.closed_at) if sale.status == "handed_over" and sale.closed_at else None,
        }, [{"market_id": market.id, "stall_id": stall.id, "local_date": day, "order_item_id": item.id,
             "product_id": item.product_id, "name": item.name, "unit_price": item.unit_price,
             "quantity": item.quantity, "gross": item.line_total, "commission": share,
             "live_session_id": item.live_session_id}
            for item, share in zip(lines, _allocate(commission, [i.line_total for i in lines]), strict=True)])
        counted_orders.add(sale.order_id)
        writer.sales[row["source"]] = row
    for quick in conn.execute(sa.text("SELECT id, stall_id, amount, paid_at FROM quick_pay_requests "
                                      "WHERE status = 'paid' ORDER BY id")):
        stall = stalls[quick.stall_id]
        market = markets[stall.market_id]
        paid_at = _aware(quick.paid_at)
        row = writer.add({
            "kind": "in_person_sale", "source": f"quick_pay:{quick.id}", "market_id": market.id,
            "stall_id": stall.id, "local_date": _day(paid_at, market.timezone), "occurred_at": paid_at,
            "gross": quick.amount, "commission": _commission(quick.amount, market.commission_bps),
            "commission_bps": market.commission_bps, "quick_pay_id": quick.id, "category": stall.category,
            "settleable_at": paid_at,
        })
        writer.sales[row["source"]] = row
    refunds = conn.execute(sa.text(
        "SELECT r.id, r.stall_order_id, r.amount, r.created_at, q.id AS quick_pay_id FROM refunds r "
        "JOIN payments p ON p.id = r.payment_id LEFT JOIN quick_pay_requests q ON q.payment_id = p.id "
        "WHERE r.status != 'failed' ORDER BY r.id"))
    for refund in refunds:
        source = (f"stall_order:{refund.stall_order_id}" if refund.stall_order_id is not None
                  else f"quick_pay:{refund.quick_pay_id}" if refund.quick_pay_id is not None else None)
        sale = writer.sales.get(source)
        if sale is None:  # the delivery fee, or an order refunded without ever counting as paid
            continue
        before = writer.refunded.get(sale["id"], 0)
        writer.refunded[sale["id"]] = before + refund.amount
        gross, bps = sale["gross"], sale["commission_bps"]
        writer.add({
            "kind": "refund", "source": f"refund:{refund.id}", "market_id": sale["market_id"],
            "stall_id": sale["stall_id"], "local_date": _day(refund.created_at, markets[sale["market_id"]].timezone),
            "occurred_at": _aware(refund.created_at), "refund": refund.amount,
            "commission": _commission(gross - before - refund.amount, bps) - _commission(gross - before, bps),
            "commission_bps": bps, "sale_id": sale["id"], "order_id": sale["order_id"],
            "stall_order_id": sale["stall_order_id"], "quick_pay_id": sale["quick_pay_id"], "refund_id": refund.id,
            "user_id": sale["user_id"], "shopper_since": sale["shopper_since"], "category": sale["category"],
            "fulfillment": sale["fulfillment"], "live_session_id": sale["live_session_id"],
        })
    if conn.dialect.name == "postgresql" and writer.next_id > 1:
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('ledger_entries', 'id'), :n)"),
                     {"n": writer.next_id - 1})


def downgrade():
    op.drop_table("ledger_days")
    op.drop_table("ledger_lines")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("payout_lines") as batch_op:
        batch_op.drop_column("commission_bps")
