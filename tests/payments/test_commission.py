"""Commission is rounded down to the won on each sale: the fraction stays with the merchant."""

import pytest

from market_app.core.money import commission_on


@pytest.mark.parametrize(("amount", "bps", "expected"), [
    (3333, 300, 99),  # 99.99 -> 99
    (3333, 333, 110),  # 110.9889 -> 110
    (9999, 333, 332),
    (10000, 300, 300),
    (10000, 10000, 10000),  # everything
    (10000, 0, 0),
    (0, 300, 0),
    (-5000, 300, 0),  # a refund-heavy sale never earns the market money back
    (1, 9999, 0),
    (33, 300, 0),  # 0.99 -> 0
    (34, 300, 1),  # 1.02 -> 1
])
def test_commission_on_awkward_amounts(amount, bps, expected):
    assert commission_on(amount, bps) == expected


def test_commission_is_an_int_never_above_the_exact_share_and_within_one_won_of_it():
    for amount in range(1, 20001):
        commission = commission_on(amount, 333)
        assert type(commission) is int
        assert commission * 10000 <= amount * 333 < (commission + 1) * 10000, amount


def test_commission_per_sale_can_be_less_than_commission_on_the_sum():
    # Why payouts add per-sale commissions: each statement line is exact on its own.
    assert commission_on(3333, 333) + commission_on(5666, 333) == 298
    assert commission_on(3333 + 5666, 333) == 299
