"""Money rules defined once. All amounts are integer won (KRW has no minor unit)."""

BASIS_POINTS = 10_000


def commission_on(amount: int, commission_bps: int) -> int:
    """Commission on a sale, rounded DOWN to the won: the fraction stays with the merchant.

    Applied to each sale (not to a payout's sum) so every statement line adds up on its own.
    """
    if amount <= 0:
        return 0
    return amount * commission_bps // BASIS_POINTS
