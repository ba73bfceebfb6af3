"""Who may do what on a market or a stall: the one place these rules live for this domain."""

import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.core.db import db
from market_app.core.errors import Forbidden, NotFound
from market_app.markets.models import Market, MemberRole, Membership, Stall, StallStatus


def has_market_role(user: User | None, market_id: int, role: MemberRole) -> bool:
    if user is None:
        return False
    stmt = sa.select(Membership.id).filter_by(user_id=user.id, market_id=market_id, role=role)
    return db.session.scalar(stmt) is not None


def is_market_admin(user: User | None, market_id: int) -> bool:
    """Association admins of that market; the platform operator may act as one anywhere."""
    if user is not None and user.is_platform_admin:
        return True
    return has_market_role(user, market_id, MemberRole.ADMIN)


def require_platform_admin(user: User) -> None:
    if not user.is_platform_admin:
        raise Forbidden("Only a platform admin may do this.")


def require_market_admin(user: User, market: Market) -> None:
    if not is_market_admin(user, market.id):
        raise Forbidden("Only an admin of this market may do this.")


def require_member_manager(user: User, market: Market, role: MemberRole) -> None:
    """Only the platform admin appoints or removes a market's admins; the market's admins manage its couriers."""
    if role == MemberRole.ADMIN and not user.is_platform_admin:
        raise Forbidden("Only a platform admin appoints or removes market admins.")
    require_market_admin(user, market)


def can_see_stall(user: User | None, stall: Stall) -> bool:
    if stall.status == StallStatus.ACTIVE:
        return True
    return user is not None and (stall.owner_id == user.id or is_market_admin(user, stall.market_id))


def require_visible_stall(user: User | None, stall: Stall | None) -> Stall:
    """A stall that is not public is simply not found for those who may not see it."""
    if stall is None or not can_see_stall(user, stall):
        raise NotFound("Stall not found.")
    return stall


def require_stall_owner(user: User, stall: Stall) -> None:
    if stall.owner_id != user.id:
        raise Forbidden("Only the owner of this stall may do this.")


def require_stall_manager(user: User, stall: Stall) -> None:
    """The owner, or an admin of the stall's market."""
    if stall.owner_id != user.id and not is_market_admin(user, stall.market_id):
        raise Forbidden("Only the stall's owner or its market's admins may do this.")
