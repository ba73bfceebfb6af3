"""Static pages; each page calls the JSON API itself."""

import json

from flask import Blueprint, current_app, send_from_directory

from market_app.config import INSTANCE_DIR

STATIC_DIR = INSTANCE_DIR.parent / "static"

web = Blueprint("web", __name__)


@web.get("/pay/<string:token>")
def pay_page(token: str):
    """The page a shopper's phone opens from the stall's QR code; it reads /api/v1/quick-pay/<token>."""
    response = send_from_directory(STATIC_DIR, "pay.html")
    response.headers["Cache-Control"] = "no-store"
    return response


@web.get("/pay/config.js")
def pay_config():
    """Where Stripe.js comes from and the publishable key: real Stripe, or localstripe's stand-in."""
    config = current_app.config
    settings = {"publishableKey": config["STRIPE_PUBLISHABLE_KEY"], "jsUrl": config["STRIPE_JS_URL"]}
    body = f"window.MARKET_STRIPE = {json.dumps(settings)};"
    return current_app.response_class(body, mimetype="application/javascript")
