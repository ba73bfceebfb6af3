"""The mixed load of make cluster-check (through nginx): browsing 80%, cart and orders 15%, merchant actions 5%.

Orders carry an Idempotency-Key and are retried with the same key and body when the answer is lost (a 502/503/504
or a dropped connection while an app server restarts): each key must end in exactly one order. Most orders are
paid at localstripe, whose webhook goes back through nginx. What the load did is written to CLUSTER_RESULTS.

Reads CLUSTER_DATA (written by `bench/cluster_check.py prepare`), STRIPE_API_BASE and STRIPE_API_KEY.
"""

import json
import os
import random
import threading
import time
import uuid

import requests
from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["CLUSTER_DATA"]).read())
STRIPE = os.environ["STRIPE_API_BASE"]
STRIPE_KEY = os.environ["STRIPE_API_KEY"]
API = "/api/v1"
RETRYABLE = {502, 503, 504}
SEARCHES = ["ㄷㅈㄱㄱ", "떡", "김치", "고기", "ㅂㄷㄸ", "전", "생선", "닭"]
PAY_SHARE = 0.8

_lock = threading.Lock()
ORDERS: dict[str, dict] = {}  # Idempotency-Key -> {outcome, order_id, attempts}
PAID: list[str] = []


def _stripe(path: str, **fields) -> requests.Response:
    with requests.Session() as http:
        http.trust_env = False
        return http.post(f"{STRIPE}/v1/{path}", data=fields, auth=(STRIPE_KEY, ""), timeout=15)


class Visitor(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.client.trust_env = False
        self.market = random.choice(DATA["markets"])
        self.shopper = {"Authorization": f"Bearer {random.choice(DATA['shoppers'])}"}
        merchant = random.choice(DATA["merchants"])
        self.merchant = ({"Authorization": f"Bearer {merchant['token']}"}, merchant["stalls"])

    # --- browsing: 80 ------------------------------------------------------------------------------------
    @task(20)
    def markets(self) -> None:
        self.client.get(f"{API}/markets", name="/markets")

    @task(20)
    def stalls(self) -> None:
        self.client.get(f"{API}/markets/{self.market['id']}/stalls", name="/markets/[id]/stalls")

    @task(20)
    def search(self) -> None:
        self.client.get(f"{API}/markets/{self.market['id']}/products", params={"q": random.choice(SEARCHES)},
                        name="/markets/[id]/products?q=")

    @task(12)
    def stall_products(self) -> None:
        stall = random.choice(self.market["stalls"])
        self.client.get(f"{API}/stalls/{stall}/products", name="/stalls/[id]/products")

    @task(8)
    def market_map(self) -> None:
        self.client.get(f"{API}/markets/{self.market['id']}/map", name="/markets/[id]/map")

    # --- cart and orders: 15 -----------------------------------------------------------------------------
    @task(5)
    def cart(self) -> None:
        lines = [{"product_id": pid, "quantity": random.randint(1, 3)}
                 for pid in random.sample(self.market["products"], 2)]
        self.client.put(f"{API}/markets/{self.market['id']}/cart", json={"items": lines}, headers=self.shopper,
                        name="/markets/[id]/cart")

    @task(10)
    def order(self) -> None:
        pool = self.market["scarce"] if random.random() < 0.5 else self.market["products"]
        products = random.sample(pool, random.randint(1, 3))
        body = {"market_id": self.market["id"], "fulfillment": "pickup",
                "items": [{"product_id": pid, "quantity": random.randint(1, 2)} for pid in products]}
        key = uuid.uuid4().hex
        order = self._place(key, body)
        if order is not None and random.random() < PAY_SHARE:
            self._pay(order)

    def _place(self, key: str, body: dict) -> dict | None:
        headers = self.shopper | {"Idempotency-Key": key}
        for attempt in range(1, 9):
            try:
                with self.client.post(f"{API}/orders", json=body, headers=headers, name="/orders",
                                      catch_response=True) as resp:
                    status = resp.status_code
                    if status in (200, 201):
                        resp.success()
                        order = resp.json()
                        self._record(key, "created", order["id"], attempt)
                        return order
                    if status in (409, 422, 429):  # sold out, or refused: an answer, not a loss
                        resp.success()
                        self._record(key, f"refused_{status}", None, attempt)
                        return None
                    resp.failure(f"{status}")
                    if status not in RETRYABLE and status != 0:
                        self._record(key, "lost", None, attempt)
                        return None
            except requests.RequestException:
                pass
            time.sleep(0.3 * attempt)
        self._record(key, "lost", None, 8)
        return None

    @staticmethod
    def _record(key: str, outcome: str, order_id: int | None, attempts: int) -> None:
        with _lock:
            ORDERS[key] = {"outcome": outcome, "order_id": order_id, "attempts": attempts}

    @staticmethod
    def _pay(order: dict) -> None:
        intent = order["payment"]["payment_intent_id"]
        try:
            _stripe(f"payment_intents/{intent}", payment_method="pm_card_visa").raise_for_status()
            if _stripe(f"payment_intents/{intent}/confirm").ok:
                with _lock:
                    PAID.append(intent)
        except requests.RequestException:
            pass

    # --- merchant actions: 5 ------------------------------------------------------------------------------
    @task(5)
    def merchant_action(self) -> None:
        headers, stalls = self.merchant
        stall = random.choice(stalls)
        resp = self.client.get(f"{API}/stalls/{stall}/orders", headers=headers, name="/stalls/[id]/orders")
        if resp.status_code != 200:
            return
        parts = [part for part in resp.json() if part["status"] in ("pending", "accepted")]
        if not parts:
            return
        part = random.choice(parts)
        if part["status"] == "pending" and random.random() < 0.15:  # a stall says no: the shopper is refunded
            action, body = "reject", {"reason": "재료 소진"}
        else:
            action, body = ("accept" if part["status"] == "pending" else "ready"), None
        with self.client.post(f"{API}/stall-orders/{part['id']}/{action}", json=body, headers=headers,
                              name=f"/stall-orders/[id]/{action}", catch_response=True) as resp:
            if resp.status_code == 409:  # another user of the same stall moved it first: a refusal, not an error
                resp.success()


@events.test_stop.add_listener
def write_results(environment, **_kwargs) -> None:
    with _lock:
        results = {"orders": ORDERS, "paid_intents": PAID}
    with open(os.environ["CLUSTER_RESULTS"], "w") as out:
        json.dump(results, out)
