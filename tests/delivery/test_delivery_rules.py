"""The delivery rules on their own: great-circle distance, rings, the exact split of a free delivery's fee, and
slot timetables in the market's time zone (closure days, nights past midnight, slots across midnight UTC)."""

from datetime import UTC, date, datetime

import pytest

from market_app.delivery.rules import compile_rules, distance_km, slot_at, split_pro_rata, timetable
from tests.delivery.conftest import seoul

EVERY_DAY = {day: "10:00-19:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def rules(**changes):
    settings = {"timezone": "Asia/Seoul", "lat": 37.5559, "lng": 126.9063, "enabled": True,
                "zones": [{"up_to_km": 1.5, "fee": 3000}, {"up_to_km": 3.0, "fee": 4000}], "free_over": 30000,
                "min_order": 10000, "slot_minutes": 60, "slot_capacity": 8, "cutoff_minutes": 30, "lead_minutes": 60,
                "days_ahead": 7, "hours": EVERY_DAY, "closed_dates": [], "free_delivery_paid_by": "market"}
    settings |= changes
    return compile_rules(("test", repr(sorted(settings.items()))), **settings)


def test_great_circle_distance_seoul_city_hall_to_gwanghwamun_is_about_a_kilometre():
    # 서울시청 (37.5663, 126.9779) to 광화문 (37.5759, 126.9769): 1.07 km on the sphere.
    assert distance_km(37.5663, 126.9779, 37.5759, 126.9769) == pytest.approx(1.071, abs=0.002)
    assert distance_km(37.5, 127.0, 37.5, 127.0) == 0.0


@pytest.mark.parametrize(("km_north", "ring", "fee"), [(0.5, 1.5, 3000), (1.49, 1.5, 3000), (2.0, 3.0, 4000),
                                                        (3.2, None, None)])
def test_a_point_takes_the_fee_of_the_first_ring_that_holds_it(km_north, ring, fee):
    r = rules()
    price = r.price(37.5559 + km_north / 111.195, 126.9063, 15000)

    assert price.distance_km == pytest.approx(km_north, abs=0.002)
    assert (price.zone.up_to_km if price.zone else None) == ring
    assert price.deliverable is (ring is not None)
    if fee is not None:
        assert (price.fee, price.waived_fee, price.remaining_for_free) == (fee, 0, 15000)
    else:
        assert price.reason == "too_far"


def test_free_over_waives_the_ring_fee_and_records_what_was_waived():
    price = rules().price(37.5559 + 2 / 111.195, 126.9063, 30000)

    assert (price.fee, price.waived_fee, price.remaining_for_free, price.deliverable) == (0, 4000, 0, True)


def test_below_the_minimum_or_disabled_is_not_deliverable_with_a_reason():
    assert rules().price(37.556, 126.9063, 9999).reason == "below_min_order"
    assert rules(enabled=False).price(37.556, 126.9063, 20000).reason == "disabled"


@pytest.mark.parametrize(("fee", "weights"), [
    (4000, {1: 10000, 2: 10000, 3: 10000}),
    (3000, {1: 7000, 2: 11000, 3: 13000}),
    (1, {1: 5000, 2: 5000}),
    (4001, {1: 1, 2: 1, 3: 1}),
    (3500, {7: 0, 8: 0}),
])
def test_a_fee_split_pro_rata_adds_up_to_the_fee_exactly(fee, weights):
    parts = split_pro_rata(fee, weights)

    assert sum(parts.values()) == fee
    assert parts.keys() == weights.keys()
    total = sum(weights.values()) or len(weights)
    for key, weight in weights.items():
        exact = fee * (weight or 1) / total
        assert abs(parts[key] - exact) < 1


def test_the_largest_remainder_gets_the_leftover_won():
    # 4000 x 1/3 each: 1333.33; one won left over goes to the first key on a tie.
    assert split_pro_rata(4000, {1: 1, 2: 1, 3: 1}) == {1: 1334, 2: 1333, 3: 1333}
    # 3000 x (7, 11, 13) / 31 = 677.4, 1064.5, 1258.1: floors 677, 1064, 1258 leave one won, to the .5.
    assert split_pro_rata(3000, {1: 7000, 2: 11000, 3: 13000}) == {1: 677, 2: 1065, 3: 1258}


def test_a_local_day_has_its_hourly_slots_in_seoul_time():
    slots = timetable(rules(), date(2026, 11, 26))

    assert [s.start for s in slots] == [seoul(f"2026-11-26 {h:02d}:00") for h in range(10, 19)]
    assert slots[0].end == seoul("2026-11-26 11:00")
    assert slots[0].start.utcoffset().total_seconds() == 9 * 3600
    # It stops taking orders an hour before it starts (the lead time, longer than the 30-minute cut-off).
    assert slots[0].closes_at == seoul("2026-11-26 09:00")


def test_a_slot_may_cross_midnight_utc_and_still_belongs_to_its_local_day():
    r = rules(hours={"thu": "08:30-10:30"}, cutoff_minutes=0, lead_minutes=0)

    slots = timetable(r, date(2026, 11, 26))  # a Thursday

    assert [(s.start.astimezone(UTC), s.end.astimezone(UTC)) for s in slots] == [
        (datetime(2026, 11, 25, 23, 30, tzinfo=UTC), datetime(2026, 11, 26, 0, 30, tzinfo=UTC)),
        (datetime(2026, 11, 26, 0, 30, tzinfo=UTC), datetime(2026, 11, 26, 1, 30, tzinfo=UTC)),
    ]
    assert timetable(r, date(2026, 11, 25)) == ()  # the UTC day of the first slot has none of its own
    assert slot_at(r, datetime(2026, 11, 25, 23, 30, tzinfo=UTC)) == slots[0]
    assert slot_at(r, datetime(2026, 11, 25, 23, 0, tzinfo=UTC)) is None


def test_delivery_hours_past_midnight_give_the_next_day_its_early_slots():
    r = rules(hours={"fri": "22:00-01:00"}, slot_minutes=60)

    friday, saturday = timetable(r, date(2026, 11, 27)), timetable(r, date(2026, 11, 28))

    assert [s.start for s in friday] == [seoul("2026-11-27 22:00"), seoul("2026-11-27 23:00")]
    assert [s.start for s in saturday] == [seoul("2026-11-28 00:00")]


def test_a_closure_day_has_no_slots_and_a_slot_must_fit_whole():
    r = rules(closed_dates=["2026-12-25"], hours={d: "10:00-12:30" for d in EVERY_DAY})

    assert timetable(r, date(2026, 12, 25)) == ()
    assert [s.start for s in timetable(r, date(2026, 12, 24))] == [seoul("2026-12-24 10:00"),
                                                                    seoul("2026-12-24 11:00")]


def test_a_slot_is_bookable_until_its_deadline_and_only_days_ahead():
    r = rules(days_ahead=2)
    slot = timetable(r, date(2026, 11, 26))[2]  # 12:00, closes at 11:00

    assert r.is_bookable(slot, seoul("2026-11-26 11:00"))
    assert not r.is_bookable(slot, seoul("2026-11-26 11:01"))
    assert r.is_bookable(slot, seoul("2026-11-25 08:00"))
    assert not r.is_bookable(slot, seoul("2026-11-24 08:00"))  # three days ahead: beyond days_ahead
