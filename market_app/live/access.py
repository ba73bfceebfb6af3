"""Who may do what with live sessions: anyone sees the sessions of public stalls; the stall's owner runs them;
the owner or the market's admins cancel them and read their figures. Load and check in one step."""

from market_app.accounts.models import User
from market_app.core.errors import NotFound
from market_app.live.models import LiveSession
from market_app.live.services import get_session
from market_app.markets.access import can_see_stall, require_stall_manager, require_stall_owner, require_visible_stall
from market_app.markets.models import Stall
from market_app.markets.services import get_stall


def visible_stall(user: User | None, stall_id: int) -> Stall:
    return require_visible_stall(user, get_stall(stall_id))


def owned_stall(user: User, stall_id: int) -> Stall:
    stall = visible_stall(user, stall_id)
    require_stall_owner(user, stall)
    return stall


def visible_session(user: User | None, session_id: int) -> LiveSession:
    """A session of a stall that is not public is not found for those who may not see the stall."""
    session = get_session(session_id)
    if not can_see_stall(user, session.stall):
        raise NotFound("Live session not found.")
    return session


def owned_session(user: User, session_id: int) -> LiveSession:
    session = visible_session(user, session_id)
    require_stall_owner(user, session.stall)
    return session


def managed_session(user: User, session_id: int) -> LiveSession:
    """The stall's owner or an admin of its market."""
    session = visible_session(user, session_id)
    require_stall_manager(user, session.stall)
    return session
