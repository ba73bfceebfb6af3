"""Registration, password checks (Argon2id), the per-account login throttle and tokens."""

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app
from flask_jwt_extended import create_access_token

from market_app.accounts.models import LoginFailure, User
from market_app.accounts.passwords import password_problem
from market_app.core import uow
from market_app.core.db import db, utcnow
from market_app.core.errors import Conflict, DomainError, InvalidInput, TooManyRequests
from market_app.core.fields import normalize_email

__all__ = ["authenticate", "hash_password", "issue_token", "load_user", "normalize_email", "register"]


class InvalidCredentials(DomainError):
    status_code = 401


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(time_cost=config["PASSWORD_HASH_TIME_COST"], memory_cost=config["PASSWORD_HASH_MEMORY_KIB"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _taken() -> Conflict:
    return Conflict("An account with this email already exists.", {"json": {"email": ["already registered"]}})


def _email_taken(email: str) -> bool:
    return db.session.scalar(sa.select(User.id).filter_by(email=email)) is not None


def register(email: str, password: str, name: str, *, platform_admin: bool = False,
             password_hash: str | None = None) -> User:
    """A new account. Bulk loads (demo data) pass password_hash, the password's hash made once for
    many accounts, because Argon2 at production cost takes a good fraction of a second per hash."""
    email = normalize_email(email)
    if password_hash is None and (problem := password_problem(password, email)):
        raise InvalidInput("password", problem)
    if _email_taken(email):
        raise _taken()
    user = User(email=email, name=name.strip(), password_hash=password_hash or hash_password(password),
                is_platform_admin=platform_admin)
    db.session.add(user)
    try:
        db.session.flush()  # two registrations racing: the unique key decides, the loser gets the 409
    except sa.exc.IntegrityError as error:
        raise _taken() from error
    return user


def _throttle_window() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def refuse_if_throttled(email: str, now: datetime) -> None:
    """Too many failed sign-ins for this email lately: 429 until the oldest of them leaves the window."""
    window, limit = _throttle_window(), current_app.config["LOGIN_FAILURE_LIMIT"]
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(LoginFailure.created_at))
        .where(LoginFailure.email == email, LoginFailure.created_at > now - window)
    ).one()
    if count >= limit:
        oldest = oldest.replace(tzinfo=now.tzinfo) if oldest.tzinfo is None else oldest
        wait = math.ceil((oldest + window - now).total_seconds())
        raise TooManyRequests("Too many failed sign-ins for this account; try again later.", wait)


def _record_failure(email: str, now: datetime) -> None:
    """Count a failed sign-in in a unit of work of its own: the request ends in a 401 and its own unit of work is
    rolled back, so this runs as its after-rollback hook. Failures older than the window are pruned on the way."""

    def record() -> None:
        with uow.unit_of_work():
            db.session.execute(sa.delete(LoginFailure).where(LoginFailure.created_at <= now - _throttle_window()))
            db.session.add(LoginFailure(email=email, created_at=now))

    uow.after_rollback(record)


def authenticate(email: str, password: str) -> User:
    email, now, hasher = normalize_email(email), utcnow(), _hasher()
    refuse_if_throttled(email, now)
    user = db.session.scalar(sa.select(User).filter_by(email=email))
    try:
        if user is None:
            # Spend the same time as a real check so response times do not reveal which emails exist.
            hasher.hash(password)
            raise VerifyMismatchError()
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError) as error:
        _record_failure(email, now)
        raise InvalidCredentials("Invalid email or password.") from error
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = now
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.email == email))
    return user


def issue_token(user: User) -> dict:
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {"access_token": create_access_token(identity=str(user.id)), "token_type": "Bearer",
            "expires_in": int(lifetime.total_seconds())}


def load_user(identity: str) -> User | None:
    return db.session.get(User, int(identity))
