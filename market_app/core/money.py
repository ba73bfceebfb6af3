"""Money rules defined once. All amounts are integer won (KRW has no minor unit)."""

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
