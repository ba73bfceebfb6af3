"""A refund and a payout of the same sale at the same moment (issue 7, item 2): both lock the sale's stall order,
so either the payout counts the refund or the refund is refused — the stall is never paid a sale the shopper got
back. Raced over real HTTP, several rounds."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.helpers import API, hand_over, part_of, payout_period

pytestmark = pytest.mark.committing
ROUNDS = 5
REFUND = 1000


def _at_once(*calls: tuple[str, dict, dict]) -> list[requests.Response]:
    """POST each (url, json, headers) from its own thread and HTTP session, released together."""
    start = threading.Barrier(len(calls))

    def post(call: tuple[str, dict, dict]) -> requests.Response:
        url, body, headers = call
        with requests.Session() as http:
            http.trust_env = False
            start.wait()
            return http.post(url, json=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(post, calls))


def test_a_refund_racing_a_payout_is_either_counted_by_it_or_refused(client, shop, paid_order, live_server):
    veg = shop.stands[0]
    run_url = f"{live_server}{API}/markets/{shop.market.id}/payouts/run"
    for round_number in range(ROUNDS):
        sale = part_of(paid_order(), veg)
        hand_over(client, veg, sale["id"])

        paid_out, refunded = _at_once(
            (run_url, payout_period(), shop.admin_headers),
            (f"{live_server}{API}/stall-orders/{sale['id']}/refund", {"amount": REFUND, "reason": "무게 부족"},
             veg.headers))

        assert paid_out.status_code == 201, paid_out.json()
        [line] = [line for payout in paid_out.json() for line in payout["lines"]
                  if line["stall_order_id"] == sale["id"]]
        if refunded.status_code == 201:
            assert line["refunds"] == REFUND, (round_number, line)  # the payout saw the refund
            assert line["net"] == line["gross"] - REFUND - line["commission"]
        else:
            assert refunded.status_code == 409, refunded.json()  # the sale was paid out first
            assert line["refunds"] == 0
        payment = client.get(f"{API}/orders/{sale['order_id']}/payment", headers=shop.headers).json
        assert payment["refunded_amount"] == line["refunds"], (round_number, payment, line)
