"""Security headers (flask-talisman): nosniff on every answer; JSON answers allow nothing to load and are never
framed; the HTML pages (pay page, API docs) carry their own CSP with frame-ancestors and a Referrer-Policy. HSTS
and the https redirect never get in the way of local http."""

import re

import pytest

from market_app import create_app
from market_app.config import TestConfig
from market_app.extensions import db
from tests.helpers import API

EVERY_KIND = ["/api/v1/markets", "/api/v1/no-such-route", "/api/openapi.json", "/healthz", "/pay/some-token",
              "/api/docs", "/api/docs/static/swagger-ui-bundle.js", "/pay/config.js"]


def directives(resp) -> dict[str, str]:
    policy = resp.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in policy.split(";"))}


@pytest.mark.parametrize("url", EVERY_KIND)
def test_every_answer_says_nosniff_and_may_not_be_framed(client, url):
    resp = client.get(url)

    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert directives(resp)["frame-ancestors"] == "'none'"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_json_answers_allow_nothing_to_load(client):
    for resp in (client.get(f"{API}/markets"), client.get(f"{API}/nowhere")):
        assert directives(resp)["default-src"] == "'none'"


def test_api_docs_page_runs_only_its_own_origins_scripts(client):
    policy = directives(client.get("/api/docs"))

    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe-inline" not in " ".join(policy.values())


def test_pay_page_scripts_carry_this_responses_nonce(app, client):
    first, second = client.get("/pay/token-a"), client.get("/pay/token-b")

    nonce = re.search(r"'nonce-([^']+)'", directives(first)["script-src"]).group(1)
    html = first.get_data(as_text=True)
    tags = re.findall(r"<(script|style)\b([^>]*)>", html)
    assert tags and all(f'nonce="{nonce}"' in attributes for _tag, attributes in tags)
    assert nonce not in second.get_data(as_text=True)
    policy = directives(first)
    stripe_api = app.config["STRIPE_API_BASE"] or "https://api.stripe.com"
    assert "'strict-dynamic'" in policy["script-src"] and policy["connect-src"] == f"'self' {stripe_api}"
    assert "unsafe-inline" not in " ".join(policy.values())


def test_vendored_swagger_ui_is_served_with_its_licence(client):
    bundle = client.get("/api/docs/static/swagger-ui-bundle.js")
    css = client.get("/api/docs/static/swagger-ui.css")
    licence = client.get("/api/docs/static/LICENSE")

    assert (bundle.status_code, css.status_code, licence.status_code) == (200, 200, 200)
    assert "javascript" in bundle.mimetype and css.mimetype == "text/css"
    assert "Apache License" in licence.get_data(as_text=True)
    assert client.get("/api/docs/static/../../setup.cfg").status_code == 404


def test_hsts_only_over_https_and_local_http_is_not_redirected(client):
    plain = client.get(f"{API}/markets")
    behind_tls = client.get(f"{API}/markets", headers={"X-Forwarded-Proto": "https"})

    assert plain.status_code == 200 and "Strict-Transport-Security" not in plain.headers
    assert behind_tls.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.fixture
def app_with(app):
    made = []

    def app_with(**settings):
        config = type("HeaderConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                                      **settings})
        made.append(create_app(config))
        return made[-1]

    yield app_with
    for made_app in made:
        with made_app.app_context():
            db.engine.dispose()


def test_force_https_redirects_plain_http_when_configured(app_with):
    client = app_with(FORCE_HTTPS=True).test_client()

    plain = client.get(f"{API}/markets")
    behind_tls = client.get(f"{API}/markets", headers={"X-Forwarded-Proto": "https"})

    assert plain.status_code == 302 and plain.headers["Location"].startswith("https://")
    assert behind_tls.status_code == 200


def test_hsts_can_be_turned_off(app_with):
    resp = app_with(HSTS_SECONDS=0).test_client().get(f"{API}/markets", headers={"X-Forwarded-Proto": "https"})

    assert "Strict-Transport-Security" not in resp.headers
