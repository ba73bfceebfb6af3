"""Fixtures of the payout tests: a stall's own connected account, and Stripe failing in each way."""

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from market_app.extensions import db
from tests.helpers import closed_port_url
from tests.localstripe_plugin import silent_server
from tests.settlement.payouts import LOOKUP_REFUSED, NO_SUCH_DESTINATION, RATE_LIMITED, SERVER_ERROR
from tests.stripe_faults import faulty_stripe


@pytest.fixture
def account(shop) -> str:
    """채소가게's connected account, its own in this test (localstripe's transfers outlive the test)."""
    stall = shop.stands[0].stall
    stall.stripe_account_id = f"acct_{uuid.uuid4().hex[:16]}"
    db.session.commit()
    return stall.stripe_account_id


@pytest.fixture
def stripe_down(stripe_at, localstripe_url):
    """Each way Stripe fails to confirm a transfer, for the length of the block."""
    rules = {"rate_limited": RATE_LIMITED, "server_error": SERVER_ERROR, "refusing": NO_SUCH_DESTINATION,
             "refusing_lookup": LOOKUP_REFUSED}

    @contextmanager
    def stripe_down(how: str) -> Iterator[None]:
        with ExitStack() as stack:
            timeout = None
            if how == "down":
                url = closed_port_url()
            elif how == "hanging":
                url, timeout = stack.enter_context(silent_server()), 0.5
            else:
                url, _answered = stack.enter_context(faulty_stripe(localstripe_url, [rules[how]]))
            stack.enter_context(stripe_at(url, timeout))
            yield

    return stripe_down
