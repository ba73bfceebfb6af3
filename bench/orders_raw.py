"""Order-placement baselines for bench/orders.sh.

`sql`: the database ceiling. One transaction per order with exactly the writes POST /api/v1/orders makes
(6 conditional stock UPDATEs ... RETURNING, the order, 3 stall orders, 6 items, 3 events, the payment),
sent as plain SQL by N threads, each with its own psycopg connection, for a fixed time. No ORM, no HTTP,
no Stripe, none of the app's reads (token user, replay check, market, products, the response's reload).

`stripe`: the bare PaymentIntent create the app makes per order, through the app's own gateway
(stripe-python against localstripe), one call at a time.

Both print one line, RESULT rps=... p50_ms=... p99_ms=... count=... errors=..., which orders.sh parses.
"""

import argparse
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

UPDATE_STOCK = """
UPDATE products SET stock = CASE WHEN stock IS NULL THEN NULL ELSE stock - %(q)s END, updated_at = %(now)s
WHERE id = %(id)s AND deleted_at IS NULL AND available IS true AND (stock IS NULL OR stock >= %(q)s)
RETURNING stock"""
INSERT_ORDER = """
INSERT INTO orders (reference, user_id, market_id, status, fulfillment, subtotal, delivery_fee, discount, total,
                    idempotency_key, request_hash, expires_at, created_at, updated_at)
VALUES (%(ref)s, %(user)s, %(market)s, 'pending_payment', 'pickup', %(total)s, 0, 0, %(total)s,
        %(key)s, %(hash)s, %(expires)s, %(now)s, %(now)s)
RETURNING id"""
INSERT_STALL_ORDER = """
INSERT INTO stall_orders (order_id, stall_id, status, subtotal, created_at, updated_at)
VALUES (%s, %s, 'pending', %s, %s, %s) RETURNING id"""
INSERT_ITEM = """
INSERT INTO order_items (stall_order_id, product_id, name, unit, unit_price, list_price, quantity, line_total,
                         reserved_quantity)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"""
INSERT_EVENT = """
INSERT INTO stall_order_events (stall_order_id, to_status, actor_id, created_at) VALUES (%s, 'pending', %s, %s)"""
INSERT_PAYMENT = """
INSERT INTO payments (kind, order_id, market_id, amount, currency, status, payment_intent_id, client_secret,
                      created_at, updated_at)
VALUES ('order', %s, %s, %s, 'krw', 'requires_payment_method', %s, %s, %s, %s)"""


def percentile(sorted_ms: list[float], pct: float) -> float:
    if not sorted_ms:
        return 0.0
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * pct / 100))]


def report(latencies_ms: list[float], seconds: float, errors: int) -> None:
    ordered = sorted(latencies_ms)
    print(f"RESULT rps={len(ordered) / seconds:.1f} p50_ms={percentile(ordered, 50):.2f} "
          f"p99_ms={percentile(ordered, 99):.2f} count={len(ordered)} errors={errors}")


def place_order(conn, user_id: int, market_id: int, products: list[tuple]) -> None:
    """products: (id, stall_id, name, unit, price) rows; one of each, quantity 1, in id order (the lock order)."""
    now = datetime.now(UTC)
    quantity = 1
    with conn.transaction(), conn.cursor() as cur:
        reserved = {}
        for product_id, *_ in sorted(products):
            cur.execute(UPDATE_STOCK, {"q": quantity, "now": now, "id": product_id})
            row = cur.fetchone()
            if row is None:
                raise RuntimeError(f"product {product_id} sold out")
            reserved[product_id] = 0 if row[0] is None else quantity
        total = sum(price * quantity for *_, price in products)
        reference = str(uuid.uuid4())
        cur.execute(INSERT_ORDER, {"ref": reference, "user": user_id, "market": market_id, "total": total,
                                   "key": f"raw-{uuid.uuid4()}", "hash": uuid.uuid4().hex * 2,
                                   "expires": now + timedelta(minutes=30), "now": now})
        order_id = cur.fetchone()[0]
        by_stall: dict[int, list[tuple]] = {}
        for product in products:
            by_stall.setdefault(product[1], []).append(product)
        for stall_id, lines in sorted(by_stall.items()):
            cur.execute(INSERT_STALL_ORDER, (order_id, stall_id, sum(p[4] * quantity for p in lines), now, now))
            stall_order_id = cur.fetchone()[0]
            for product_id, _, name, unit, price in lines:
                cur.execute(INSERT_ITEM, (stall_order_id, product_id, name, unit, price, price, quantity,
                                          price * quantity, reserved[product_id]))
            cur.execute(INSERT_EVENT, (stall_order_id, user_id, now))
        intent = f"pi_raw_{uuid.uuid4().hex}"
        cur.execute(INSERT_PAYMENT, (order_id, market_id, total, intent, f"{intent}_secret", now, now))


def run_sql(args: argparse.Namespace) -> None:
    import psycopg

    product_ids = [int(p) for p in args.products.split(",")]
    with psycopg.connect(args.dsn) as conn:
        products = conn.execute("SELECT id, stall_id, name, unit, price FROM products WHERE id = ANY(%s)",
                                (product_ids,)).fetchall()
        market_id = conn.execute("SELECT market_id FROM products WHERE id = %s", (product_ids[0],)).fetchone()[0]
    if len(products) != len(product_ids):
        raise SystemExit("some products were not found")

    start = time.perf_counter()
    measure_from, stop_at = start + args.warmup, start + args.warmup + args.duration
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        mine: list[float] = []
        failed = 0
        with psycopg.connect(args.dsn) as conn:
            while (t0 := time.perf_counter()) < stop_at:
                try:
                    place_order(conn, args.user_id, market_id, products)
                except psycopg.Error:
                    failed += 1
                    continue
                t1 = time.perf_counter()
                if t0 >= measure_from and t1 <= stop_at:
                    mine.append((t1 - t0) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.warmup + args.duration + 30)
    report(latencies, args.duration, errors[0])


def run_stripe(args: argparse.Namespace) -> None:
    from market_app.payments import gateway

    client = gateway.make_client(args.api_key, args.api_base, 10)
    latencies: list[float] = []
    start = time.perf_counter()
    for n in range(args.warmup_calls + args.calls):
        t0 = time.perf_counter()
        gateway.create_payment_intent(client, amount=25000, currency="krw", idempotency_key=f"bench-{uuid.uuid4()}",
                                      metadata={"reference": str(uuid.uuid4()), "market_id": "1", "kind": "order"})
        if n == args.warmup_calls - 1:
            start = time.perf_counter()
        elif n >= args.warmup_calls:
            latencies.append((time.perf_counter() - t0) * 1000)
    report(latencies, time.perf_counter() - start, 0)
    print(f"(mean {statistics.fmean(latencies):.2f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sql = sub.add_parser("sql", help="the order's writes as raw SQL, N connections, fixed duration")
    sql.add_argument("--dsn", required=True, help="libpq DSN, e.g. postgresql://postgres@127.0.0.1:5432/db")
    sql.add_argument("--user-id", type=int, required=True)
    sql.add_argument("--products", required=True, help="comma-separated product ids (any stalls of one market)")
    sql.add_argument("--concurrency", type=int, default=1)
    sql.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    sql.add_argument("--warmup", type=float, default=2.0, help="seconds run but not measured")
    sql.set_defaults(func=run_sql)
    stripe = sub.add_parser("stripe", help="sequential PaymentIntent creates through the app's gateway")
    stripe.add_argument("--api-base", required=True)
    stripe.add_argument("--api-key", default="sk_test_bench")
    stripe.add_argument("--calls", type=int, default=300)
    stripe.add_argument("--warmup-calls", type=int, default=20)
    stripe.set_defaults(func=run_stripe)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
