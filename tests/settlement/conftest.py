"""Settlement tests share the payments tests' live server (real HTTP, for requests at the same time)."""

from tests.payments.conftest import live_server  # noqa: F401
