"""Live commerce routes: sessions and their offers, the schedule and its iCalendar feed, subscriptions and follows,
viewer heartbeats and each session's figures."""

from flask import Response, current_app, request
from flask.views import MethodView

from market_app.core import cache, uow, versions
from market_app.core.auth import login_required, optional_user, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.pagination import Rows, SelectPage
from market_app.core.schemas import as_dumped, isoformat, row_dumper
from market_app.extensions import limiter
from market_app.live import access, audience, feed, queries, services
from market_app.live.models import LiveSession
from market_app.live.schemas import (
    EndSchema,
    FollowSchema,
    HeartbeatSchema,
    LiveCancelSchema,
    LiveSessionCreateSchema,
    LiveSessionSchema,
    LiveSessionUpdateSchema,
    LiveStatsSchema,
    OfferSchema,
    ScheduleQueryArgsSchema,
    SubscriptionSchema,
    ViewersSchema,
)
from market_app.markets.services import get_market, timezone_guess

blp = Blueprint("live", __name__, url_prefix="/api/v1",
                description="Live commerce: broadcasts and flash sales, the schedule, its calendar feed, reminders")
CALENDAR = "text/calendar"
offer_json = row_dumper(OfferSchema(), computed=("remaining",))
session_json = row_dumper(LiveSessionSchema(), computed=(*queries.LOCAL_TIMES, "offers"),
                          converters={"offers": as_dumped} | dict.fromkeys(queries.LOCAL_TIMES, isoformat))
SESSION_COLUMNS = session_json.columns(LiveSession.__table__,
                                       *(LiveSession.__table__.c[name] for name in queries.LOCAL_TIMES))


def _heartbeat_limit() -> str:
    return current_app.config["LIVE_HEARTBEAT_RATE_LIMIT"]


def _calendar(body: bytes) -> Response:
    """The feed with a strong ETag: a client sending it back in If-None-Match gets a 304 until something changes."""
    response = Response(body, mimetype=CALENDAR)
    response.set_etag(feed.etag(body))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


def _schedule_items(rows: list) -> list[dict]:
    """A page of schedule rows dumped as LiveSessionSchema dumps sessions, with their offers (one query)."""
    offers = queries.offer_rows([row.id for row in rows])
    return session_json.many(rows, lambda row: queries.local_times(row) | {
        "offers": offer_json.many(offers[row.id], queries.offer_facts)})


def _session(session_id: int):
    """The session as its response shows it, read after the commit (offers, stall and market in three queries)."""
    return queries.session_detail(session_id)


@blp.route("/markets/<int:market_id>/live-sessions")
class MarketSchedule(MethodView):
    # Statuses move by writes (the clock's jobs); "from today" moves with the time: stored per minute.
    @cache.public(lambda view_args: versions.live_scope(view_args["market_id"]), vary=cache.this_minute)
    @blp.public
    @blp.arguments(ScheduleQueryArgsSchema, location="query")
    @blp.response(200, LiveSessionSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(404)
    def get(self, args, market_id):
        """The market's live sessions and flash sales by start time (from today unless from/to are given)"""
        # The market's time zone as last read: the rows say whether it still is (and an empty page reads the market).
        guess, recheck = timezone_guess(market_id, queries.TIMEZONE, lambda timezone: queries.schedule_rows(
            market_id, timezone, SESSION_COLUMNS, **args)[1])
        stmt, params = queries.schedule_rows(market_id, guess, SESSION_COLUMNS, **args)
        return Rows(stmt, _schedule_items, params, recheck=recheck)


@blp.route("/markets/<int:market_id>/live-sessions.ics")
@blp.public
@blp.response(200, content_type=CALENDAR, description="iCalendar feed; subscribe with webcal://")
@blp.alt_response(304, description="Not modified since the ETag sent in If-None-Match")
@blp.errors(404)
def market_calendar(market_id):
    """The market's live sessions as an iCalendar feed (cancelled ones kept 30 days as CANCELLED)"""
    return _calendar(feed.market_feed(get_market(market_id)))


@blp.route("/stalls/<int:stall_id>/live-sessions")
class StallSessions(MethodView):
    @blp.public
    @blp.arguments(ScheduleQueryArgsSchema, location="query")
    @blp.response(200, LiveSessionSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(404)
    def get(self, args, stall_id):
        """A stall's live sessions and flash sales by start time"""
        stall = access.visible_stall(optional_user(), stall_id)
        stmt, params = queries.schedule_rows(stall.market_id, stall.market.timezone, SESSION_COLUMNS,
                                             stall_id=stall.id, **args)
        return Rows(stmt, _schedule_items, params)

    @login_required
    @blp.arguments(LiveSessionCreateSchema)
    @blp.response(201, LiveSessionSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, stall_id):
        """Schedule a live session or flash sale with its offers (the stall's owner); never overlapping another"""
        user = signed_in_user()
        session = services.create_session(access.owned_stall(user, stall_id), user, data)
        uow.commit()
        return _session(session.id)


@blp.route("/stalls/<int:stall_id>/live-sessions.ics")
@blp.public
@blp.response(200, content_type=CALENDAR, description="iCalendar feed; subscribe with webcal://")
@blp.alt_response(304, description="Not modified since the ETag sent in If-None-Match")
@blp.errors(404)
def stall_calendar(stall_id):
    """A stall's live sessions as an iCalendar feed"""
    return _calendar(feed.stall_feed(access.visible_stall(optional_user(), stall_id)))


@blp.route("/live-sessions/<int:session_id>")
class SessionById(MethodView):
    @blp.public
    @blp.response(200, LiveSessionSchema)
    @blp.errors(404)
    def get(self, session_id):
        """A session with its offers (remaining cap), subscribers and peak viewers"""
        return _session(access.visible_session(optional_user(), session_id).id)

    @login_required
    @blp.arguments(LiveSessionUpdateSchema(partial=True))
    @blp.response(200, LiveSessionSchema)
    @blp.errors(401, 403, 404, 409)
    def patch(self, changes, session_id):
        """Edit a scheduled session (the stall's owner); moving it moves its reminder. Ended: only replay_url"""
        session = services.update_session(access.owned_session(signed_in_user(), session_id), changes)
        uow.commit()
        return _session(session.id)

    @login_required
    @blp.response(204)
    @blp.errors(401, 403, 404, 409)
    def delete(self, session_id):
        """Delete a scheduled session nobody subscribed to (the stall's owner); who heard of it hears it is off"""
        services.delete_session(access.owned_session(signed_in_user(), session_id))
        uow.commit()


@blp.route("/live-sessions/<int:session_id>/start", methods=["POST"])
@login_required
@blp.response(200, LiveSessionSchema)
@blp.errors(401, 403, 404, 409)
def start(session_id):
    """Go live (the stall's owner), from 15 minutes before the start; live prices apply from now"""
    user = signed_in_user()
    session = services.start(access.owned_session(user, session_id), user)
    uow.commit()
    return _session(session.id)


@blp.route("/live-sessions/<int:session_id>/end", methods=["POST"])
@login_required
@blp.arguments(EndSchema)
@blp.response(200, LiveSessionSchema)
@blp.errors(401, 403, 404, 409)
def end(data, session_id):
    """End a live session (the stall's owner), optionally with its replay URL; list prices apply again"""
    user = signed_in_user()
    session = services.end(access.owned_session(user, session_id), user, data["replay_url"])
    uow.commit()
    return _session(session.id)


@blp.route("/live-sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
@blp.arguments(LiveCancelSchema)
@blp.response(200, LiveSessionSchema)
@blp.errors(401, 403, 404, 409)
def cancel(data, session_id):
    """Cancel a scheduled session (the stall's owner or the market's admins); subscribers are told"""
    user = signed_in_user()
    session = services.cancel(access.managed_session(user, session_id), user, data["reason"])
    uow.commit()
    return _session(session.id)


@blp.route("/live-sessions/<int:session_id>/subscribe")
class Subscription(MethodView):
    decorators = [login_required]

    @blp.response(200, SubscriptionSchema)
    @blp.errors(401, 404, 409)
    def post(self, session_id):
        """Be reminded before the session starts and when it goes live (idempotent)"""
        session = access.visible_session(signed_in_user(), session_id)
        audience.subscribe(session, signed_in_user())
        uow.commit()
        return {"live_session_id": session.id, "subscribed": True, "subscribers": session.subscriber_count}

    @blp.response(200, SubscriptionSchema)
    @blp.errors(401, 404)
    def delete(self, session_id):
        """Stop being reminded of the session (idempotent)"""
        session = access.visible_session(signed_in_user(), session_id)
        audience.unsubscribe(session, signed_in_user())
        uow.commit()
        return {"live_session_id": session.id, "subscribed": False, "subscribers": session.subscriber_count}


@blp.route("/stalls/<int:stall_id>/follow")
class Follow(MethodView):
    decorators = [login_required]

    @blp.response(200, FollowSchema)
    @blp.errors(401, 404)
    def post(self, stall_id):
        """Follow a stall: hear of each new session and be reminded of each (idempotent)"""
        stall = access.visible_stall(signed_in_user(), stall_id)
        audience.follow(stall, signed_in_user())
        uow.commit()
        return {"stall_id": stall.id, "following": True, "followers": audience.follower_count(stall)}

    @blp.response(200, FollowSchema)
    @blp.errors(401, 404)
    def delete(self, stall_id):
        """Stop following a stall (idempotent)"""
        stall = access.visible_stall(signed_in_user(), stall_id)
        audience.unfollow(stall, signed_in_user())
        uow.commit()
        return {"stall_id": stall.id, "following": False, "followers": audience.follower_count(stall)}


@blp.route("/live-sessions/<int:session_id>/heartbeat", methods=["POST"])
@limiter.limit(_heartbeat_limit, scope="live-heartbeat")
@blp.public
@blp.arguments(HeartbeatSchema)
@blp.response(200, ViewersSchema)
@blp.errors(404, 409, 429)
def heartbeat(data, session_id):
    """A viewer is watching (every 20-30 s; anonymous viewers send a viewer_id); returns viewers now and the peak"""
    user = optional_user()
    session = access.visible_session(user, session_id)
    viewers = audience.heartbeat(session, audience.viewer_key(user, data["viewer_id"]))
    uow.commit()
    return viewers


@blp.route("/live-sessions/<int:session_id>/stats")
@login_required
@blp.response(200, LiveStatsSchema)
@blp.errors(401, 403, 404)
def stats(session_id):
    """A session's sales at the live price, per offer, and its audience (the stall's owner and market admins)"""
    return queries.session_stats(access.managed_session(signed_in_user(), session_id))
