"""The shopper's saved cart: one per shopper per market, checked on every write, shown at current prices."""

import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.core.db import db, utcnow
from market_app.core.errors import Conflict, InvalidInput
from market_app.markets.models import Market, StallStatus
from market_app.markets.services import get_market
from market_app.orders import hooks
from market_app.orders.models import Cart, CartItem
from market_app.orders.pricing import price_lines

MAX_CART_LINES = 100


def get_cart(user: User, market: Market) -> Cart | None:
    return db.session.scalar(sa.select(Cart).filter_by(user_id=user.id, market_id=market.id))


def _problem(product: Product, quantity: int) -> str | None:
    """Why a cart line cannot be bought right now, or None."""
    if product.deleted_at is not None or not product.available:
        return "unavailable"
    if product.stall.status != StallStatus.ACTIVE:
        return "stall_closed"
    if product.stock is not None and product.stock < quantity:
        return "sold_out" if product.stock == 0 else "not_enough_stock"
    return None


def replace_items(user: User, market: Market, items: list[dict]) -> Cart:
    ids = [item["product_id"] for item in items]
    products = {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(ids)))}
    seen = set()
    for index, item in enumerate(items):
        product = products.get(item["product_id"])
        if product is None or product.market_id != market.id or product.deleted_at is not None:
            raise InvalidInput("items", "No such product in this market.").at_item(index, "product_id")
        if item["product_id"] in seen:
            raise InvalidInput("items", "Listed twice.").at_item(index, "product_id")
        if product.stall.status != StallStatus.ACTIVE or not product.available:
            raise InvalidInput("items", f"{product.name} cannot be ordered now.").at_item(index, "product_id")
        if item["quantity"] > (product.max_per_order or 99):
            raise InvalidInput("items", f"At most {product.max_per_order or 99}.").at_item(index, "quantity")
        seen.add(item["product_id"])
    cart = get_cart(user, market) or Cart(user_id=user.id, market_id=market.id)
    # The old lines go first: inserting a product's new line while its old one still exists breaks the
    # (cart, product) unique key. The new lines keep the order the shopper sent.
    cart.items = []
    db.session.flush()
    cart.items = [CartItem(product_id=item["product_id"], quantity=item["quantity"]) for item in items]
    cart.updated_at = utcnow()
    db.session.add(cart)
    return cart


def checkout_lines(user: User, market_id: int) -> list[dict]:
    """The saved cart as order lines, for checking it out."""
    saved = get_cart(user, get_market(market_id))
    if saved is None or not saved.items:
        raise Conflict("The cart is empty.", {"json": {"use_cart": ["the cart is empty"]}})
    return [{"product_id": item.product_id, "quantity": item.quantity} for item in saved.items]


def clear(user: User, market: Market) -> None:
    cart = get_cart(user, market)
    if cart is not None:
        cart.items = []


def view(user: User, market: Market) -> dict:
    """Current prices (live prices included) and what can no longer be bought."""
    cart = get_cart(user, market)
    entries = []
    if cart is not None and cart.items:
        products = {p.id: p for p in db.session.scalars(
            sa.select(Product).where(Product.id.in_([i.product_id for i in cart.items])))}
        lines = [(products[i.product_id], i.quantity) for i in cart.items]
        wanted = {i.product_id: i.quantity for i in cart.items}  # a line split at a live offer's cap is one wish
        for priced in price_lines(lines, utcnow(), user.id):
            product = priced.product
            entries.append({"product_id": product.id, "stall_id": product.stall_id, "stall_name": product.stall.name,
                            "name": product.name, "unit": product.unit, "unit_price": priced.unit_price,
                            "list_price": product.price, "quantity": priced.quantity, "line_total": priced.line_total,
                            "live_session_id": priced.live_session_id,
                            "problem": _problem(product, wanted[product.id])})
    subtotal = sum(e["line_total"] for e in entries if e["problem"] is None)
    terms_of = hooks.current().delivery_terms
    terms = terms_of(market, subtotal) if terms_of else hooks.DeliveryTerms(False, 0, 0, None)
    fee = terms.fee if terms.enabled and subtotal else 0
    return {"market_id": market.id, "items": entries, "subtotal": subtotal, "delivery_available": terms.enabled,
            "delivery_fee": fee, "total_with_delivery": subtotal + fee, "min_order_amount": terms.min_order,
            "free_delivery_threshold": terms.free_over}
