"""The HTML pages in a real headless Chromium, under their Content-Security-Policy: the interactive API docs render
the operations from the vendored swagger-ui (its assets were 404s), and the quick-pay page's own scripts run with
their nonce. Any CSP violation or failed request fails the test. Chromium comes from Debian (`make test` installs
it as root when it is missing); never `playwright install`."""

import os
from pathlib import Path

import pytest

from tests.helpers import API
from tests.live_server import werkzeug_server

pytestmark = pytest.mark.committing  # the page's requests are served on the live server's threads

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("MARKET_SKIP_BROWSER_TESTS") == "1":
            pytest.skip("no /usr/bin/chromium and MARKET_SKIP_BROWSER_TESTS=1")
        pytest.fail("/usr/bin/chromium is missing: `make test` installs it (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live(app):
    with werkzeug_server(app) as base:
        yield base


@pytest.fixture
def page(browser):
    """A fresh page that records console errors (CSP violations are reported there) and failed requests."""
    context = browser.new_context()
    page = context.new_page()
    page.problems = []
    page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("response", lambda response: response.status >= 400 and page.problems.append(
        f"{response.status} {response.url}"))
    yield page
    context.close()


def test_api_docs_render_the_operations_under_their_csp(live, page):
    page.goto(f"{live}/api/docs")

    summary = page.get_by_text("List markets, by name or region", exact=False).first
    summary.wait_for(state="visible", timeout=20_000)

    assert page.locator(".opblock").count() >= 40
    assert page.problems == []


def test_quick_pay_page_runs_its_own_scripts_under_its_csp(live, page, client, make):
    owner = make.user("상인")
    stall = make.stall(make.market(), owner=owner, name="망원 떡집")
    created = client.post(f"{API}/stalls/{stall.id}/quick-pay", json={"amount": 12000, "memo": "떡 두 팩"},
                          headers=make.headers(owner))
    assert created.status_code == 201, created.json

    page.goto(f"{live}/pay/{created.json['token']}")

    page.get_by_text("12,000원").wait_for(state="visible", timeout=10_000)
    assert page.locator("#stall").inner_text() == "망원 떡집"
    assert page.problems == []
