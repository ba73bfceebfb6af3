"""The signing keys: never a default printed in the source. Outside tests and debug mode (the Flask development
server) the app refuses to start unless SECRET_KEY, and JWT_SECRET_KEY when set, are at least 32 bytes."""

import logging
import secrets

from flask import Flask

log = logging.getLogger(__name__)

MIN_SECRET_BYTES = 32
KEYS = ("SECRET_KEY", "JWT_SECRET_KEY")


class InsecureSecretKey(RuntimeError):
    pass


def _strong(key) -> bool:
    return isinstance(key, str | bytes) and len(key.encode() if isinstance(key, str) else key) >= MIN_SECRET_BYTES


def check(app: Flask) -> None:
    """Refuse weak keys (tests and debug mode get a fresh random key instead); JWT_SECRET_KEY defaults to SECRET_KEY."""
    config = app.config
    if not _strong(config.get("SECRET_KEY")):
        if not (app.testing or app.debug):
            raise InsecureSecretKey(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_BYTES} bytes (it signs the bearer "
                "tokens; refusing to start without one). Make one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'")
        log.warning("No SECRET_KEY: a random one for this process (debug/test only); tokens end with it.")
        config["SECRET_KEY"] = secrets.token_urlsafe(48)
    if not config.get("JWT_SECRET_KEY"):
        config["JWT_SECRET_KEY"] = config["SECRET_KEY"]
    elif not _strong(config["JWT_SECRET_KEY"]):
        raise InsecureSecretKey(f"JWT_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes, or unset to use "
                                "SECRET_KEY.")
