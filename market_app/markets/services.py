"""Market, membership and stall rules: creation, edits, approval, listings and the map."""

import bisect
import functools
import math
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.accounts.models import User
from market_app.accounts.services import normalize_email
from market_app.core.db import LIKE_ESCAPE, db, json_text, like_escaped, read, utcnow, with_columns
from market_app.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from market_app.core.hours import MINUTES_PER_DAY, local_weekday_minute, open_at_text, weekly_periods
from market_app.markets.models import (
    Market,
    MemberRole,
    Membership,
    PayoutAccountChange,
    Stall,
    StallOpeningPeriod,
    StallStatus,
    distance_km,
)


def get_market(market_id: int) -> Market:
    market = db.session.get(Market, market_id)
    if market is None:
        raise NotFound("Market not found.")
    return market


_LISTING_MARKET = sa.select(Market.id, Market.timezone).where(Market.id == sa.bindparam("market_id"))


def listing_market(market_id: int) -> sa.Row:
    """What a public listing needs of its market (id and time zone) without loading the whole row: NotFound if
    there is no such market."""
    market = read(_LISTING_MARKET, {"market_id": market_id}).first()
    if market is None:
        raise NotFound("Market not found.")
    _TIMEZONES[market.id] = market.timezone
    return market


# Each market's time zone as this process last read it. A listing that filters on local time (stalls open now,
# the schedule from today) binds its values for that guess, and its statement reads the market's time zone beside
# the rows: timezone_guess's check says whether the guess held. One statement instead of two; a market whose time
# zone changed costs the one request that finds it out a second read.
_TIMEZONES: dict[int, str] = {}


def timezone_guess(market_id: int, key: str,
                   values_for: Callable[[str], dict]) -> tuple[str, Callable[[list[sa.Row]], dict | None]]:
    """The market's time zone as last read here (else read now: NotFound if there is no such market), and the check
    of that guess on the page's rows, which carry the market's time zone under key (Rows.recheck): None when it
    held, else values_for the time zone read. An empty page reads the market (NotFound if there is none)."""
    guess = _TIMEZONES.get(market_id) or listing_market(market_id).timezone

    def recheck(rows: list[sa.Row]) -> dict | None:
        if rows:
            timezone = _TIMEZONES[market_id] = rows[0]._mapping[key]
        else:
            timezone = listing_market(market_id).timezone
        return None if timezone == guess else values_for(timezone)

    return guess, recheck


def get_stall(stall_id: int) -> Stall | None:
    return db.session.get(Stall, stall_id)



def market_rows(columns: list, q: str | None = None, region: str | None = None,
                lat: float | None = None, lng: float | None = None) -> tuple[sa.Select, dict, Callable]:
    """The market list as plain rows of columns (and nearness when asked from a point), nearest first from lat/lng,
    else by name: its statement, the values to bind, and a function giving each row's computed values
    (distance_km)."""
    near = lat is not None and lng is not None
    params = {"q": like_escaped(q) if q else None, "region": like_escaped(region) if region else None}
    if near:
        # Equirectangular distance orders correctly at city scale and runs on SQLite and PostgreSQL alike.
        params |= {"lat": lat, "lng": lng, "squeeze": math.cos(math.radians(lat)) ** 2}
    return _market_rows_select(tuple(columns), bool(q), bool(region), near), params, _distance if near else _no_distance


@functools.lru_cache(maxsize=16)
def _market_rows_select(columns: tuple, q: bool, region: bool, near: bool) -> sa.Select:
    """market_rows' statement for one shape of the list, built once: its values are bound per request."""
    markets = Market.__table__
    stmt = sa.select(*columns)
    if q:
        stmt = stmt.where(markets.c.name.contains(sa.bindparam("q"), escape=LIKE_ESCAPE))
    if region:
        stmt = stmt.where(markets.c.region.contains(sa.bindparam("region"), escape=LIKE_ESCAPE))
    if near:
        lat, lng = sa.bindparam("lat", type_=sa.Float), sa.bindparam("lng", type_=sa.Float)
        nearness = ((markets.c.lat - lat) * (markets.c.lat - lat)
                    + (markets.c.lng - lng) * (markets.c.lng - lng) * sa.bindparam("squeeze", type_=sa.Float))
        return stmt.add_columns(nearness.label("nearness")).order_by(nearness, markets.c.id)
    return stmt.order_by(markets.c.name, markets.c.id)


def _distance(row: sa.Row) -> dict:
    return {"distance_km": distance_km(row.nearness)}


def _no_distance(_row: sa.Row) -> dict:
    return {"distance_km": None}


def create_market(data: dict) -> Market:
    _refuse_taken_slug(data["slug"])
    market = Market(**data)
    db.session.add(market)
    return market


def update_market(market: Market, changes: dict) -> Market:
    if "slug" in changes and changes["slug"] != market.slug:
        _refuse_taken_slug(changes["slug"])
    for key, value in changes.items():
        setattr(market, key, value)
    return market


def _refuse_taken_slug(slug: str) -> None:
    if db.session.scalar(sa.select(Market.id).filter_by(slug=slug)) is not None:
        raise Conflict("A market with this slug already exists.", {"json": {"slug": ["already taken"]}})


def add_member(market: Market, email: str, role: MemberRole) -> Membership:
    user = db.session.scalar(sa.select(User).filter_by(email=normalize_email(email)))
    if user is None:
        raise InvalidInput("email", "No account with this email; ask them to register first.")
    exists = sa.select(Membership.id).filter_by(user_id=user.id, market_id=market.id, role=role)
    if db.session.scalar(exists) is not None:
        raise Conflict(f"{user.email} is already {role.value} of this market.")
    membership = Membership(user=user, market_id=market.id, role=role)
    db.session.add(membership)
    return membership


def memberships_of(market: Market, user_id: int, role: MemberRole | None = None) -> list[Membership]:
    """The user's memberships of the market (only the one role when given); 404 when there are none."""
    stmt = sa.select(Membership).filter_by(market_id=market.id, user_id=user_id).order_by(Membership.id)
    if role is not None:
        stmt = stmt.filter_by(role=role)
    memberships = list(db.session.scalars(stmt))
    if not memberships:
        raise NotFound("This user is not a member of the market" + (f" as {role.value}." if role else "."))
    return memberships


def remove_members(memberships: list[Membership]) -> None:
    for membership in memberships:
        db.session.delete(membership)


def members_query(market: Market) -> sa.Select:
    return (sa.select(Membership).filter_by(market_id=market.id).options(so.joinedload(Membership.user))
            .order_by(Membership.id))


# --- stalls -----------------------------------------------------------------------------------------


def _check_position(market: Market, data: dict) -> None:
    for key, limit, field in (("map_x", market.map_width, "x"), ("map_y", market.map_height, "y")):
        if data.get(key) is not None and data[key] > limit:
            raise InvalidInput(field, f"must be within the market map (0..{limit}).")


def _set_hours(stall: Stall, hours: dict | None) -> None:
    stall.hours = hours
    stall.opening_periods = [
        StallOpeningPeriod(weekday=day, opens_minute=start, closes_minute=end)
        for day, start, end in weekly_periods(hours)
    ]


def apply_for_stall(market: Market, owner: User, data: dict) -> Stall:
    """A merchant's application: the stall waits as pending until the association approves it."""
    _check_position(market, data)
    hours = data.pop("hours", None)
    stall = Stall(market_id=market.id, owner_id=owner.id, status=StallStatus.PENDING, **data)
    _set_hours(stall, hours)
    db.session.add(stall)
    return stall


def update_stall(stall: Stall, changes: dict) -> Stall:
    _check_position(stall.market, changes)
    if "hours" in changes:
        _set_hours(stall, changes.pop("hours"))
    for key, value in changes.items():
        setattr(stall, key, value)
    return stall


def approve_stall(stall: Stall, reason: str | None = None) -> Stall:
    if stall.status == StallStatus.ACTIVE:
        raise InvalidTransition("The stall is already active.")
    stall.status, stall.status_reason, stall.approved_at = StallStatus.ACTIVE, reason, utcnow()
    return stall


def suspend_stall(stall: Stall, reason: str | None = None) -> Stall:
    if stall.status == StallStatus.SUSPENDED:
        raise InvalidTransition("The stall is already suspended.")
    stall.status, stall.status_reason = StallStatus.SUSPENDED, reason
    return stall


_STALLS = Stall.__table__


# The market's time zone on each stall row (what its open_now is computed in): one statement for a page, no
# lookup of the market before it. SQLite and PostgreSQL both run an uncorrelated scalar subquery once.
_MARKET_TIMEZONE = (sa.select(Market.timezone).where(Market.id == sa.bindparam("market_id")).scalar_subquery()
                    .label("market_timezone"))


def _stall_facts_columns(columns: tuple, *extra) -> list:
    return with_columns(columns, json_text(_STALLS.c.hours), _STALLS.c.stripe_account_id, *extra)


@functools.lru_cache(maxsize=64)
def _stall_rows_select(columns: tuple, category: bool, q: bool, open_now: bool | None) -> sa.Select:
    """stall_rows' statement for one shape of the stall list, built once: its values are bound per request."""
    stmt = sa.select(*_stall_facts_columns(columns, _MARKET_TIMEZONE)).where(
        _STALLS.c.market_id == sa.bindparam("market_id"), _STALLS.c.status == sa.bindparam("status"))
    if category:
        stmt = stmt.where(_STALLS.c.category == sa.bindparam("category"))
    if q:
        pattern = sa.bindparam("q")
        stmt = stmt.where(sa.or_(_STALLS.c.name.contains(pattern, escape=LIKE_ESCAPE),
                                 _STALLS.c.description.contains(pattern, escape=LIKE_ESCAPE)))
    if open_now is not None:
        periods = StallOpeningPeriod.__table__
        open_period = sa.exists().where(
            periods.c.stall_id == _STALLS.c.id, periods.c.weekday == sa.bindparam("weekday"),
            periods.c.opens_minute <= sa.bindparam("minute"), periods.c.closes_minute > sa.bindparam("minute"))
        stmt = stmt.where(open_period if open_now else ~open_period)
    return stmt.order_by(_STALLS.c.name, _STALLS.c.id)


def stall_rows(market_id: int, columns: list, *, status: StallStatus = StallStatus.ACTIVE,
               category: str | None = None, q: str | None = None, open_now: bool | None = None,
               now: datetime | None = None) -> tuple[sa.Select, dict, Callable, Callable | None]:
    """The market's stalls of a status, by name: of a category, matching q in their name or description, open (or
    closed) now in the market's time zone, as plain rows of columns (of stalls). Returns the statement, the values
    to bind, a function giving each row's computed values (open_now, has_payout_account) for the schema's row
    dumper, and (open_now asked: its local time is bound for the market's time zone as last read) the check of
    that guess on the rows read, giving the values to read them again with when it was wrong (Rows.recheck). An
    empty page is the caller's to tell from a market that does not exist (listing_market)."""
    now = now or utcnow()
    params = {"market_id": market_id, "status": status, "category": category,  # those the shape uses are bound
              "q": like_escaped(q) if q else None, "weekday": None, "minute": None}
    stmt = _stall_rows_select(tuple(columns), bool(category), bool(q), open_now)
    if open_now is None:
        return stmt, params, _stall_facts(now), None

    def local(timezone: str) -> dict:
        return params | dict(zip(("weekday", "minute"), local_weekday_minute(now, timezone), strict=True))

    guess, recheck = timezone_guess(market_id, _MARKET_TIMEZONE.key, local)
    return stmt, local(guess), _stall_facts(now), recheck


def _stall_facts(now: datetime, timezone: str | None = None) -> Callable[[sa.Row], dict]:
    """The computed values of a stall row read with _stall_facts_columns, at now in its market's time zone (the
    timezone given, else the row's market_timezone)."""
    local_now: dict[str, tuple[int, int]] = {}  # one time zone for a market's rows: converted once

    def facts(row: sa.Row) -> dict:
        zone = timezone or row.market_timezone
        weekday_minute = local_now.get(zone)
        if weekday_minute is None:
            weekday_minute = local_now[zone] = local_weekday_minute(now, zone)
        return {"open_now": open_at_text(row.hours, *weekday_minute),
                "has_payout_account": row.stripe_account_id is not None}

    return facts


_MAP_MARKET = sa.select(Market.id, Market.name, Market.map_width, Market.map_height, Market.timezone).where(
    Market.id == sa.bindparam("market_id"))


@functools.lru_cache(maxsize=8)
def _map_stalls_select(columns: tuple) -> sa.Select:
    return (sa.select(*_stall_facts_columns(columns))
            .where(_STALLS.c.market_id == sa.bindparam("market_id"), _STALLS.c.status == StallStatus.ACTIVE)
            .order_by(_STALLS.c.aisle, _STALLS.c.id))


def market_map(market_id: int, columns: list) -> tuple[dict, list[sa.Row], Callable]:
    """The map: the market's size, its active stalls in aisle order as plain rows of columns (of stalls), and the
    function giving each row's computed values."""
    market = read(_MAP_MARKET, {"market_id": market_id}).first()  # Core rows: no ORM objects
    if market is None:
        raise NotFound("Market not found.")
    rows = read(_map_stalls_select(tuple(columns)), {"market_id": market.id}).all()
    about = {"market_id": market.id, "name": market.name, "width": market.map_width, "height": market.map_height}
    return about, rows, _stall_facts(utcnow(), market.timezone)


def roles_of(user: User) -> tuple[list[Membership], list[Stall]]:
    memberships = db.session.scalars(sa.select(Membership).filter_by(user_id=user.id).order_by(Membership.id))
    stalls = db.session.scalars(sa.select(Stall).filter_by(owner_id=user.id).order_by(Stall.id))
    return list(memberships), list(stalls)


def payout_account(stall: Stall) -> dict:
    changes = db.session.scalars(sa.select(PayoutAccountChange).filter_by(stall_id=stall.id)
                                 .order_by(PayoutAccountChange.id.desc()))
    return {"stall_id": stall.id, "stripe_account_id": stall.stripe_account_id, "changes": list(changes)}


def set_payout_account(stall: Stall, account_id: str | None, actor: User) -> dict:
    """The one way a stall's payout destination changes, with an audit row. Only the platform admin calls it
    (Stripe Connect onboarding by the owner would be the other way, where Stripe offers it)."""
    if account_id != stall.stripe_account_id:
        db.session.add(PayoutAccountChange(stall_id=stall.id, actor_id=actor.id,
                                           old_account_id=stall.stripe_account_id, new_account_id=account_id))
        stall.stripe_account_id = account_id
        db.session.flush()
    return payout_account(stall)


@functools.lru_cache(maxsize=512)
def _opening_marks(market_id: int, _version: int) -> tuple[str | None, tuple[int, ...]]:
    """The market's time zone and every minute of the week at which one of its stalls opens or closes, as of one
    version of the market (the cache key: a new version reads them again)."""
    timezone = db.session.scalar(sa.select(Market.timezone).where(Market.id == market_id))
    periods = db.session.execute(
        sa.select(StallOpeningPeriod.weekday, StallOpeningPeriod.opens_minute, StallOpeningPeriod.closes_minute)
        .join(Stall, Stall.id == StallOpeningPeriod.stall_id).where(Stall.market_id == market_id).distinct())
    marks = set()
    for weekday, opens, closes in periods:
        marks.update((weekday * MINUTES_PER_DAY + opens, weekday * MINUTES_PER_DAY + closes))
    return timezone, tuple(sorted(marks))


def opening_bucket(view_args: dict, version: int) -> str:
    """Which stretch of the week between two openings or closings it is now in the market: every stall is open or
    closed alike throughout one stretch, so a cached answer showing "open now" holds until the next one. Worked out
    once a minute per market and version (it changes only at a whole minute)."""
    now = utcnow()
    key = (view_args["market_id"], version, now.replace(second=0, microsecond=0))
    bucket = _buckets.get(key)
    if bucket is None:
        timezone, marks = _opening_marks(view_args["market_id"], version)
        if timezone is None:
            bucket = "-"
        else:
            weekday, minute = local_weekday_minute(now, timezone)
            bucket = str(bisect.bisect_right(marks, weekday * MINUTES_PER_DAY + minute))
        if len(_buckets) > 1024:
            _buckets.clear()
        _buckets[key] = bucket
    return bucket


_buckets: dict[tuple, str] = {}
