"""Pricing of order lines and the delivery fee. Other domains (live commerce) plug in price overrides
here, so checkout never needs rewriting when a new kind of price appears."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from market_app.catalog.models import Product
from market_app.markets.models import Market


@dataclass(frozen=True)
class SpecialPrice:
    unit_price: int
    live_session_id: int | None = None


@dataclass(frozen=True)
class PricedLine:
    product: Product
    quantity: int
    unit_price: int
    live_session_id: int | None

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


# An override sees the products being bought and the time, and returns special prices by product id.
PriceOverride = Callable[[Sequence[Product], datetime], dict[int, SpecialPrice]]
_price_overrides: list[PriceOverride] = []


def register_price_override(override: PriceOverride) -> PriceOverride:
    _price_overrides.append(override)
    return override


def price_lines(lines: Sequence[tuple[Product, int]], now: datetime) -> list[PricedLine]:
    """Each line at the lowest price on offer now: the list price or any override's special price."""
    products = [product for product, _ in lines]
    specials: dict[int, SpecialPrice] = {}
    for override in _price_overrides:
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


def delivery_fee(market: Market, subtotal: int) -> int:
    """The market's base fee, waived from its free-delivery threshold."""
    if market.free_delivery_threshold is not None and subtotal >= market.free_delivery_threshold:
        return 0
    return market.delivery_base_fee
