"""The dashboard pages in headless Chromium (Playwright, Debian's chromium): sign in, pick a period, and the
numbers on the page are the API's; no console errors. Screenshots at 375 px and desktop width are written to
tests/artifacts/dashboards/ (ignored by git, kept by CI as the run's artifacts)."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from market_app.accounts.services import hash_password
from market_app.extensions import db
from tests.dashboards.conftest import PERIOD
from tests.helpers import API

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "dashboards"
PASSWORD = "dashboard-pass-1"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = pytest.mark.committing


def won(n: int) -> str:
    return f"{'-' if n < 0 else ''}₩{abs(n):,}"


def pct(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 1000) / 10:.1f}%"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("fc-list") is None:
        if os.environ.get("MARKET_SKIP_BROWSER_TESTS") == "1":
            pytest.skip("no /usr/bin/chromium and MARKET_SKIP_BROWSER_TESTS=1")
        pytest.fail("Headless Chromium is missing: apt-get install -y chromium fonts-noto-cjk (make test does it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server, books):
    """A page at a viewport, recording console errors and failed requests; signs in as a books user."""
    for user in books.users.values():
        user.password_hash = hash_password(PASSWORD)
    db.session.commit()
    pages = []

    def open_page(path: str, viewport: dict, who: str):
        context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="ko-KR")
        page = context.new_page()
        page.problems = []
        page.on("console", lambda msg: msg.type == "error" and page.problems.append(msg.text))
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
        page.goto(live_server + path)
        page.fill("#email", books.users[who].email)
        page.fill("#password", PASSWORD)
        page.click("#signin-form button[type=submit]")
        try:
            page.wait_for_selector("#app:not(.hidden)", timeout=15000)
        except PlaywrightTimeout:
            raise AssertionError(f"not signed in: {page.text_content('#signin-error')!r}, {page.problems}") from None
        pages.append(context)
        return page

    yield open_page
    for context in pages:
        context.close()


def _pick_period(page, expected_first_tile: str, figure: str) -> None:
    page.fill("#from", PERIOD["from"])
    page.fill("#to", PERIOD["to"])
    page.click("#show")
    page.wait_for_function("([f, v]) => document.querySelector(`[data-figure=${f}]`)?.textContent === v",
                           arg=[figure, expected_first_tile])


def _figures(page) -> dict:
    return page.eval_on_selector_all("[data-figure]", "nodes => Object.fromEntries(nodes.map(n => "
                                                      "[n.dataset.figure, n.textContent]))")


def _table(page, name: str) -> list[list[str]]:
    return page.eval_on_selector(f"details[data-table={name}] tbody", "body => [...body.rows].map(r => "
                                                                       "[...r.cells].map(c => c.textContent))")


def _shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "desktop"])
def test_market_page_shows_the_apis_figures(client, books, open_page, viewport):
    api = client.get(f"{API}/markets/{books.market.id}/dashboard", query_string=PERIOD, headers=books.admin).json
    page = open_page("/dashboard/market", viewport, "admin")

    _pick_period(page, won(api["gmv"]), "gmv")

    figures = _figures(page)
    assert figures == {
        "gmv": won(api["gmv"]), "refunds": won(api["refunds"]), "net": won(api["net"]),
        "orders": f"{api['orders']}건", "shoppers": f"{api['shoppers']}명",
        "returning_rate": pct(api["returning_rate"]),
        "average_order": won(api["average_order"]), "commission": won(api["commission"]),
        "in_person": won(api["in_person"]["gross"]), "live_share": pct(api["live"]["share"]),
        "on_time_rate": "–", "stalls_online": f"{api['stalls']['online']} / {api['stalls']['total']}곳",
    }
    assert _table(page, "by_day") == [[d["date"], str(d["orders"]), won(d["gmv"]), won(d["refunds"]), won(d["net"])]
                                      for d in api["by_day"]]
    assert _table(page, "top_stalls") == [[s["name"], str(s["orders"]), won(s["gmv"])] for s in api["top_stalls"]]
    assert [row[1] for row in _table(page, "by_category")] == [won(c["gmv"]) for c in api["by_category"]]
    assert page.locator("#by-day-chart canvas").count() == 1
    _shoot(page, f"market-{viewport['width']}")
    assert page.problems == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "desktop"])
def test_merchant_page_shows_the_apis_figures_for_one_stall_and_all(client, books, open_page, viewport):
    page = open_page("/dashboard/merchant", viewport, "kim")
    all_stalls = client.get(f"{API}/me/dashboard", query_string=PERIOD, headers=books.kim).json
    one = client.get(f"{API}/stalls/{books.a.id}/dashboard", query_string=PERIOD, headers=books.kim).json

    _pick_period(page, won(all_stalls["sales"]["gross"]), "gross")
    assert _figures(page)["payout"] == won(all_stalls["sales"]["payout"])
    assert [row[0] for row in _table(page, "stalls")] == ["김씨네 채소", "바다수산"]
    _shoot(page, f"merchant-all-{viewport['width']}")
    page.select_option("#stall", str(books.a.id))
    page.wait_for_function("v => document.querySelector('[data-figure=gross]').textContent === v",
                           arg=won(one["sales"]["gross"]))

    assert _figures(page) == {
        "gross": won(one["sales"]["gross"]), "refunds": won(one["sales"]["refunds"]), "net": won(one["sales"]["net"]),
        "commission": won(one["sales"]["commission"]), "payout": won(one["sales"]["payout"]),
        "orders": f"{one['orders']['count']}건", "in_person": won(one["in_person"]["gross"]),
    }
    assert _table(page, "top_products") == [[p["name"], str(p["quantity"]), won(p["gross"])]
                                            for p in one["top_products"]]
    assert _table(page, "live")[0] == ["감자 캐는 날", "1", won(900)]
    _shoot(page, f"merchant-{viewport['width']}")
    assert page.problems == []


def test_daily_sheet_page_is_printable_and_shows_the_expected_payout(client, books, open_page, live_server):
    sheet = client.get(f"{API}/stalls/{books.a.id}/daily-sheet", query_string={"date": "2026-03-03"},
                       headers=books.kim).json
    page = open_page(f"/dashboard/daily-sheet?stall={books.a.id}&date=2026-03-03", PHONE, "kim")

    page.wait_for_selector("[data-figure=expected_payout]")

    assert page.text_content("[data-figure=expected_payout]").startswith(won(sheet["expected_payout"]["amount"]))
    assert "감자 1포기 × 1" in page.text_content("#handover")
    _shoot(page, "daily-sheet-375")
    assert page.problems == []
