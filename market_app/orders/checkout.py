"""Placing an order: validate the basket, price it, open its payment, then reserve what it holds and write the
order in one transaction. Replays of an Idempotency-Key return the first order."""

import functools
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.core import jobs, metrics, uow
from market_app.core.db import db, utcnow
from market_app.core.errors import Conflict, InvalidInput
from market_app.core.money import MAX_PAYMENT_WON, MIN_PAYMENT_WON
from market_app.markets.models import Market, StallStatus
from market_app.orders import cart, hooks, placement, reservations, stock
from market_app.orders.models import Fulfillment, IdempotencyClaim, Order, OrderStatus
from market_app.orders.placement import PlacedItem, PlacedOrder, PlacedStallOrder
from market_app.orders.pricing import PricedLine, price_lines
from market_app.payments import services as payments
from market_app.payments.models import PaymentKind

MAX_QUANTITY = 99


@dataclass
class Checkout:
    """A basket checked and priced, before anything is written. Participants may add to it in prepare()."""

    market: Market
    lines: list[PricedLine]
    fulfillment: Fulfillment
    delivery: dict | None
    note: str | None
    delivery_charge: hooks.DeliveryCharge | None = None  # set by the delivery participant in prepare()
    extras: dict = field(default_factory=dict)  # what participants computed for their own reserve()

    @property
    def delivery_fee(self) -> int:
        return self.delivery_charge.fee if self.delivery_charge else 0

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def total(self) -> int:
        return self.subtotal + self.delivery_fee

    def index_of(self, product_id: int) -> int:
        """The line's position in the request, to name it in an error (a line split between a special and the
        list price is one line of the request)."""
        products = list(dict.fromkeys(line.product.id for line in self.lines))
        return products.index(product_id)


def request_hash(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_replay(user: User, idempotency_key: str, body_hash: str) -> Order | None:
    """The order first placed with this key, or None; the same key with another body is refused."""
    order = db.session.scalar(sa.select(Order).filter_by(user_id=user.id, idempotency_key=idempotency_key))
    if order is not None and order.request_hash != body_hash:
        raise Conflict("This Idempotency-Key was already used for a different order.",
                       {"headers": {"Idempotency-Key": ["already used with another request body"]}})
    return order


def _item_error(index: int, field: str, message: str) -> InvalidInput:
    return InvalidInput("items", message).at_item(index, field)


def _load_line(market: Market, index: int, product_id: int, quantity: int, products: dict[int, Product]):
    product = products.get(product_id)
    if product is None or product.deleted_at is not None or product.market_id != market.id:
        raise _item_error(index, "product_id", "No such product in this market.")
    if product.stall.status != StallStatus.ACTIVE:
        raise _item_error(index, "product_id", f"{product.stall.name} is not taking orders.")
    if not product.available:
        raise _item_error(index, "product_id", f"{product.name} is not available.")
    limit = product.max_per_order or MAX_QUANTITY
    if quantity > limit:
        raise _item_error(index, "quantity", f"At most {limit} per order.")
    if product.stock is not None and product.stock < quantity:
        message = f"Only {product.stock} left." if product.stock else "Sold out."
        raise stock.OutOfStock(f"Not enough stock for item {index}: {message}",
                               {"json": {"items": {str(index): {"quantity": [message]}}}})
    return product


def prepare(data: dict, shopper: User, market: Market | None, products: dict[int, Product]) -> Checkout:
    """Everything that can be checked before money or stock is touched (market: the one data names, or None;
    products: those of data's ids that exist, in any market, with their stalls)."""
    if market is None:
        raise InvalidInput("market_id", "No such market.")
    items = data["items"]
    seen: set[int] = set()
    for index, item in enumerate(items):
        if item["product_id"] in seen:
            raise _item_error(index, "product_id", "Listed twice; send one line per product.")
        seen.add(item["product_id"])
    lines = [(_load_line(market, i, item["product_id"], item["quantity"], products), item["quantity"])
             for i, item in enumerate(items)]
    checkout = Checkout(market, price_lines(lines, utcnow(), shopper.id), data["fulfillment"], data.get("delivery"),
                        data.get("note"))
    for participant in hooks.current().participants:
        participant.prepare(checkout)
    if checkout.fulfillment == Fulfillment.DELIVERY and checkout.delivery_charge is None:
        raise InvalidInput("fulfillment", "This market does not deliver; choose pickup.")
    if checkout.total < MIN_PAYMENT_WON:
        # Stripe refuses smaller charges (a 0-won basket cannot even be asked for): refuse before opening a payment.
        raise InvalidInput("items", f"An order must come to at least {MIN_PAYMENT_WON} won.")
    if checkout.total > MAX_PAYMENT_WON:
        raise InvalidInput("items", f"An order can come to at most {MAX_PAYMENT_WON:,} won (one card payment); "
                                    "split it into several orders.")
    return checkout


def _read_basket(user: User, market_id: int, product_ids: list[int]) -> tuple[Market | None, int, dict[int, Product]]:
    """In one statement: the market, how many unpaid orders the shopper has in it, and the products asked for (in
    any market: prepare() names the ones of another) with their stalls. Every unpaid order counts, also one past its
    deadline not yet expired (e.g. Stripe refused the cancel): it still holds its stock. Read after the key's claim,
    which on PostgreSQL took the lock of this shopper in this market (on SQLite the database's write lock): orders
    placed at once under different keys cannot all see room left."""
    rows = db.session.execute(_basket(), {"market_id": market_id, "shopper_id": user.id,
                                          "product_ids": product_ids}).unique().all()
    if not rows:
        return None, 0, {}
    products = {row[2].id: row[2] for row in rows if row[2] is not None}
    return rows[0][0], rows[0][1], products


@functools.cache
def _basket() -> sa.Select:
    # Not correlated to the market's row: PostgreSQL counts once (an InitPlan), not once per product row.
    unpaid = (sa.select(sa.func.count()).select_from(Order)
              .where(Order.user_id == sa.bindparam("shopper_id"), Order.market_id == sa.bindparam("market_id"),
                     Order.status == OrderStatus.PENDING_PAYMENT).scalar_subquery())
    return (sa.select(Market, unpaid, Product)
            .outerjoin(Product, Product.id.in_(sa.bindparam("product_ids", expanding=True)))
            .options(so.joinedload(Product.stall))
            .where(Market.id == sa.bindparam("market_id")))


def _refuse_hoarding(open_unpaid: int) -> None:
    """Unpaid orders hold stock: a shopper cannot keep a stall's whole stock reserved with order after order."""
    limit = current_app.config["MAX_UNPAID_ORDERS_PER_MARKET"]
    if open_unpaid >= limit:
        raise Conflict(f"You already have {open_unpaid} unpaid orders at this market: pay or cancel one first.",
                       {"json": {"market_id": [f"at most {limit} unpaid orders at a time"]}})


def open_payment(user: User, checkout: Checkout) -> tuple[str, object]:
    """The PaymentIntent is created before the order is written: if Stripe is down nothing is written. If the
    order is then not written after all, the intent is cancelled so nobody can pay it."""
    reference = str(uuid.uuid4())
    intent = payments.open_payment_intent(
        amount=checkout.total, reference=reference,
        metadata={"market_id": str(checkout.market.id), "user_id": str(user.id), "kind": PaymentKind.ORDER.value},
        field="items",
    )
    uow.after_rollback(lambda: payments.cancel_intent_quietly(intent.id))
    return reference, intent


def _build_order(user: User, checkout: Checkout, reference: str, idempotency_key: str,
                 body_hash: str) -> PlacedOrder:
    delivery, charge = checkout.delivery or {}, checkout.delivery_charge
    now = utcnow()
    order = PlacedOrder(
        reference=reference, user_id=user.id, market_id=checkout.market.id, fulfillment=checkout.fulfillment,
        subtotal=checkout.subtotal, delivery_fee=checkout.delivery_fee, total=checkout.total, note=checkout.note,
        delivery_address=delivery.get("address"), delivery_lat=delivery.get("lat"), delivery_lng=delivery.get("lng"),
        delivery_slot_start=charge.slot_start if charge else None,
        delivery_slot_end=charge.slot_end if charge else None,
        delivery_distance_km=charge.distance_km if charge else None,
        delivery_zone_km=charge.zone_up_to_km if charge else None,
        idempotency_key=idempotency_key, request_hash=body_hash, created_at=now,
        expires_at=now + timedelta(minutes=current_app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"]),
    )
    by_stall: dict[int, list[PricedLine]] = {}
    for line in checkout.lines:
        by_stall.setdefault(line.product.stall_id, []).append(line)
    for stall_id, lines in sorted(by_stall.items()):
        items = [PlacedItem(product_id=line.product.id, name=line.product.name, unit=line.product.unit,
                            unit_price=line.unit_price, list_price=line.product.price, quantity=line.quantity,
                            line_total=line.line_total, live_session_id=line.live_session_id)
                 for line in lines]
        order.stall_orders.append(PlacedStallOrder(stall_id=stall_id, stall=lines[0].product.stall,
                                                   subtotal=sum(item.line_total for item in items), items=items))
    return order


def _claim_key(user: User, idempotency_key: str, body_hash: str, market_id: int) -> Order | None:
    """Take the key before Stripe is called, in one statement. A concurrent request with the same key waits here
    until this transaction ends; it then finds the order this one placed (returned for the replay), or takes the key
    if this one rolled back. Returns the replayed order, or None when the key is ours.

    On PostgreSQL the same statement first takes the lock of this shopper in this market (the app's only advisory
    lock: (user id, market id), held to the end of the transaction), so the unpaid orders counted next are counted
    with every concurrent order of theirs in this market committed or rolled back. On SQLite the claim's INSERT
    takes the database's write lock, which does the same."""
    params = {"user_id": user.id, "idempotency_key": idempotency_key, "created_at": utcnow(), "market_id": market_id}
    claimed = db.session.execute(_claim(db.session.get_bind().dialect.name), params).first()
    if claimed is None:
        return find_replay(user, idempotency_key, body_hash) or _key_in_use()
    return None


@functools.cache
def _claim(dialect: str) -> sa.Insert:
    claims = IdempotencyClaim.__table__
    columns = [claims.c.user_id, claims.c.idempotency_key, claims.c.created_at]
    if dialect == "postgresql":
        lock = sa.select(sa.func.pg_advisory_xact_lock(sa.bindparam("user_id", type_=sa.Integer),
                                                       sa.bindparam("market_id", type_=sa.Integer))).subquery()
        values = sa.select(*(sa.bindparam(column.name, type_=column.type) for column in columns)).select_from(lock)
        insert = postgresql.insert(claims).from_select(columns, values)
    else:
        insert = sqlite.insert(claims).values({column.name: sa.bindparam(column.name) for column in columns})
    return insert.on_conflict_do_nothing(index_elements=["user_id", "idempotency_key"]).returning(claims.c.id)


def _key_in_use():
    raise Conflict("An order with this Idempotency-Key is still being placed; retry in a moment.",
                   {"headers": {"Idempotency-Key": ["in use by a request still running"]}})


def place_order(user: User, data: dict, idempotency_key: str) -> tuple[Order | PlacedOrder, bool]:
    """Place the order described by data (or the saved cart), or find the one this key already placed.
    Returns (order, created): a new order as the PlacedOrder written (its payment set), a replay as the Order
    loaded. The caller commits."""
    body_hash = request_hash(data)
    replay = _claim_key(user, idempotency_key, body_hash, data["market_id"])
    if replay is not None:
        return replay, False
    use_cart = data.pop("use_cart")
    if use_cart:
        data["items"] = cart.checkout_lines(user, data["market_id"])
    market, open_unpaid, products = _read_basket(user, data["market_id"],
                                                 [item["product_id"] for item in data["items"]])
    checkout = prepare(data, user, market, products)
    _refuse_hoarding(open_unpaid)
    reference, intent = open_payment(user, checkout)
    order = _build_order(user, checkout, reference, idempotency_key, body_hash)
    reservations.reserve(checkout, order)
    placement.write(order, actor_id=user.id)
    reservations.record(checkout, order)
    order.payment = payments.record_order_payment(intent, market_id=order.market_id, order_id=order.id)
    jobs.enqueue("orders.expire_order", order.id, eta=order.expires_at)
    metrics.count_order_placed()
    if use_cart:  # an order of listed items ("buy now") keeps the saved cart
        cart.clear(user, checkout.market)
    return order, True
