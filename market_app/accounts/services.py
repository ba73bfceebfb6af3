"""Registration, password checks (Argon2id) and tokens."""

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app
from flask_jwt_extended import create_access_token

from market_app.accounts.models import User
from market_app.core.db import db, utcnow
from market_app.core.errors import Conflict, DomainError


class InvalidCredentials(DomainError):
    status_code = 401


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(time_cost=config["PASSWORD_HASH_TIME_COST"], memory_cost=config["PASSWORD_HASH_MEMORY_KIB"])


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def register(email: str, password: str, name: str, *, platform_admin: bool = False,
             password_hash: str | None = None) -> User:
    """A new account. Bulk loads (demo data) pass password_hash, the password's hash made once for
    many accounts, because Argon2 at production cost takes a good fraction of a second per hash."""
    email = normalize_email(email)
    if db.session.scalar(sa.select(User.id).filter_by(email=email)) is not None:
        raise Conflict("An account with this email already exists.", {"json": {"email": ["already registered"]}})
    user = User(email=email, name=name.strip(), password_hash=password_hash or hash_password(password),
                is_platform_admin=platform_admin)
    db.session.add(user)
    return user


def authenticate(email: str, password: str) -> User:
    hasher = _hasher()
    user = db.session.scalar(sa.select(User).filter_by(email=normalize_email(email)))
    if user is None:
        # Spend the same time as a real check so response times do not reveal which emails exist.
        hasher.hash(password)
        raise InvalidCredentials("Invalid email or password.")
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError) as error:
        raise InvalidCredentials("Invalid email or password.") from error
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def issue_token(user: User) -> dict:
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {"access_token": create_access_token(identity=str(user.id)), "token_type": "Bearer",
            "expires_in": int(lifetime.total_seconds())}


def load_user(identity: str) -> User | None:
    return db.session.get(User, int(identity))
