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


def price_lines(lines: Sequence[tuple[Product, int]], now: datetime) -> list[PricedLine]:
    """Each line at the lowest price on offer now: the list price or any override's special price."""
    products = [product for product, _ in lines]
    specials: dict[int, hooks.SpecialPrice] = {}
    for override in hooks.current().price_overrides:
        for product_id, special in override(products, now).items():
            if product_id not in specials or special.unit_price < specials[product_id].unit_price:
                specials[product_id] = special
    priced = []
    for product, quantity in lines:
        special = specials.get(product.id)
        if special is not None and special.unit_price < product.price:
            priced.append(PricedLine(product, quantity, special.unit_price, special.live_session_id))
        else:
            priced.append(PricedLine(product, quantity, product.price, None))
    return priced

