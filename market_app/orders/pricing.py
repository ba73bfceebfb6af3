"""Pricing of order lines. Special prices (live offers) plug in through the checkout hooks registered at app start,
so checkout never needs rewriting when a new kind of price appears. The delivery fee is the delivery domain's
(its checkout participant and the cart's delivery terms)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from market_app.catalog.models import Product
from market_app.orders import hooks


@dataclass(frozen=True)
class PricedLine:
    product: Product
    quantity: int
    unit_price: int
    live_session_id: int | None

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


def price_lines(lines: Sequence[tuple[Product, int]], now: datetime,
                shopper_id: int | None = None) -> list[PricedLine]:
    """Each line at the lowest price on offer now: the list price or any override's special price. A special
    price with fewer units left than the line asks for covers what is left; the rest becomes a second line at the
    list price (every line's total stays unit_price * quantity)."""
    products = [product for product, _ in lines]
    specials: dict[int, hooks.SpecialPrice] = {}
    for override in hooks.current().price_overrides:
        for product_id, special in override(products, now, shopper_id).items():
            if product_id not in specials or special.unit_price < specials[product_id].unit_price:
                specials[product_id] = special
    priced = []
    for product, quantity in lines:
        special = specials.get(product.id)
        at_special = 0
        if special is not None and special.unit_price < product.price:
            at_special = quantity if special.max_quantity is None else max(0, min(quantity, special.max_quantity))
        if at_special:
            priced.append(PricedLine(product, at_special, special.unit_price, special.live_session_id))
        if quantity > at_special:
            priced.append(PricedLine(product, quantity - at_special, product.price, None))
    return priced

