"""Live session fixtures: one "now" per test for soon(), and acting on sessions through the API (helpers.py)."""

import pytest

from tests.live.helpers import Live, reset_now


@pytest.fixture(autouse=True)
def _one_now_per_test():
    reset_now()
    yield


@pytest.fixture
def live(client) -> Live:
    return Live(client)
