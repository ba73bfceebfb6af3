"""Money rules defined once. All amounts are integer won (KRW has no minor unit)."""

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

BASIS_POINTS = 10_000
# The smallest amount Stripe charges in KRW (local Korean wallets need at least this); less cannot be paid by card.
MIN_PAYMENT_WON = 100
# The most one KRW payment can take at Stripe: amounts are at most 8 digits.
MAX_PAYMENT_WON = 99_999_999


def commission_on(amount: int, commission_bps: int) -> int:
    """Commission on a sale, rounded DOWN to the won: the fraction stays with the merchant.

    Applied to each sale (not to a payout's sum) so every statement line adds up on its own.
    """
    if amount <= 0:
        return 0
    return amount * commission_bps // BASIS_POINTS


def split_exactly(total: int, weights: Mapping[K, int]) -> dict[K, int]:
    """total won shared out in proportion to weights, exact to the won: each part is rounded down, and the won
    left over go one each to the largest remainders (ties: the earlier key). The parts always add up to total;
    with no weight at all, the parts are equal."""
    if not weights:
        return {}
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        weights, weight_sum = {key: 1 for key in weights}, len(weights)
    parts = {key: total * weight // weight_sum for key, weight in weights.items()}
    ranked = sorted(enumerate(weights), key=lambda pair: (-(total * weights[pair[1]] % weight_sum), pair[0]))
    for _, key in ranked[: total - sum(parts.values())]:
        parts[key] += 1
    return parts
