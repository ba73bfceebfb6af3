"""Static pages; each page calls the JSON API itself. Each page has its own Content-Security-Policy."""

import json
import secrets

from flask import Blueprint, abort, current_app, send_from_directory

from market_app.config import INSTANCE_DIR
from market_app.core.security_headers import PAGE_POLICY, origin, policy_header, view_headers

STATIC_DIR = INSTANCE_DIR.parent / "static"
SWAGGER_UI_DIR = STATIC_DIR / "swagger-ui"
STRIPE_API = "https://api.stripe.com"

web = Blueprint("web", __name__)

DASHBOARD_PAGES = {"merchant": "merchant.html", "market": "market.html", "daily-sheet": "daily-sheet.html"}


@web.get("/dashboard/<string:page>")
@view_headers(content_security_policy=PAGE_POLICY)
def dashboard_page(page: str):
    """The dashboard pages (merchant, market association, daily sheet); each signs in and calls the API."""
    if page not in DASHBOARD_PAGES:
        abort(404)
    response = send_from_directory(STATIC_DIR / "dashboard", DASHBOARD_PAGES[page])
    response.headers["Cache-Control"] = "no-cache"
    return response


@web.get("/static/<path:filename>")
def static_file(filename: str):
    """The pages' scripts, styles and vendored libraries (nothing is loaded from a CDN)."""
    return send_from_directory(STATIC_DIR, filename, max_age=300)


def _pay_policy(nonce: str) -> str:
    """The pay page's own scripts carry this response's nonce; 'strict-dynamic' lets them load Stripe.js, which
    frames and calls Stripe (or the local stand-in configured in STRIPE_JS_URL / STRIPE_API_BASE)."""
    config = current_app.config
    stripe_js, stripe_api = origin(config["STRIPE_JS_URL"]), origin(config["STRIPE_API_BASE"] or STRIPE_API)
    return policy_header(PAGE_POLICY | {
        "script-src": f"'nonce-{nonce}' 'strict-dynamic'", "style-src": f"'self' 'nonce-{nonce}'",
        "img-src": "'self' data: https://*.stripe.com", "connect-src": f"'self' {stripe_api}",
        "frame-src": f"{stripe_js} https://hooks.stripe.com",
    })


@web.get("/pay/<string:token>")
@view_headers(content_security_policy=None)  # set below, with this response's nonce
def pay_page(token: str):
    """The page a shopper's phone opens from the stall's QR code; it reads /api/v1/quick-pay/<token>."""
    nonce = secrets.token_urlsafe(16)
    html = (STATIC_DIR / "pay.html").read_text(encoding="utf-8")
    html = html.replace("<script", f'<script nonce="{nonce}"').replace("<style", f'<style nonce="{nonce}"')
    response = current_app.response_class(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = _pay_policy(nonce)
    return response


@web.get("/api/docs")
@view_headers(content_security_policy=PAGE_POLICY)
def api_docs():
    """Interactive API docs (swagger-ui, served from static/swagger-ui: nothing from a CDN)."""
    return send_from_directory(STATIC_DIR, "api-docs.html")


@web.get("/api/docs/init.js")
def api_docs_script():
    return send_from_directory(STATIC_DIR, "api-docs.js", mimetype="application/javascript")


@web.get("/api/docs/static/<path:filename>")
def api_docs_assets(filename: str):
    return send_from_directory(SWAGGER_UI_DIR, filename, max_age=24 * 3600)


@web.get("/pay/config.js")
def pay_config():
    """Where Stripe.js comes from and the publishable key: real Stripe, or localstripe's stand-in."""
    config = current_app.config
    settings = {"publishableKey": config["STRIPE_PUBLISHABLE_KEY"], "jsUrl": config["STRIPE_JS_URL"]}
    body = f"window.MARKET_STRIPE = {json.dumps(settings)};"
    return current_app.response_class(body, mimetype="application/javascript")
