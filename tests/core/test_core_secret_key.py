"""No default secret outside development: the app refuses to start (with a message that says what to do) unless
SECRET_KEY, and JWT_SECRET_KEY when set, have at least 32 bytes; tests and debug mode get a random key instead."""

import os
import subprocess
import sys

import pytest

from market_app import create_app
from market_app.config import TestConfig
from market_app.core.secrets import InsecureSecretKey
from market_app.extensions import db
from tests.localstripe_plugin import REPO_ROOT

STRONG = "k" * 32


@pytest.fixture
def production(tmp_path):
    """A configuration as production runs it: neither testing nor debug."""

    def production(**keys) -> type:
        return type("Production", (TestConfig,), {"TESTING": False, "DEBUG": False,
                                                  "JOBS_SQLITE_PATH": str(tmp_path / "jobs.db"), **keys})

    return production


@pytest.mark.parametrize("key", ["", "short", "x" * 31, "가" * 10],
                         ids=["empty", "short", "31-bytes", "30-bytes-korean"])
def test_app_refuses_to_start_with_a_missing_or_short_secret_key(production, key):
    with pytest.raises(InsecureSecretKey, match="SECRET_KEY must be set to a random value of at least 32 bytes"):
        create_app(production(SECRET_KEY=key))


def test_app_refuses_a_short_jwt_key_even_with_a_strong_secret_key(production):
    with pytest.raises(InsecureSecretKey, match="JWT_SECRET_KEY must be at least 32 bytes"):
        create_app(production(SECRET_KEY=STRONG, JWT_SECRET_KEY="short"))


def test_a_32_byte_key_starts_the_app_and_signs_the_tokens(production):
    app = create_app(production(SECRET_KEY=STRONG))

    assert app.config["JWT_SECRET_KEY"] == STRONG
    with app.app_context():
        db.engine.dispose()


def test_debug_mode_without_a_key_gets_a_random_strong_one(production):
    first = create_app(production(SECRET_KEY="", DEBUG=True))
    second = create_app(production(SECRET_KEY="", DEBUG=True))

    assert len(first.config["SECRET_KEY"]) >= 32 and first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert first.config["JWT_SECRET_KEY"] == first.config["SECRET_KEY"]
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_gunicorns_entry_point_refuses_to_load_without_secret_key(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "JWT_SECRET_KEY", "FLASK_DEBUG")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "JOBS_SQLITE_PATH": str(tmp_path / "jobs.db")}

    loaded = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=60)

    assert loaded.returncode != 0
    assert "SECRET_KEY must be set" in loaded.stderr
