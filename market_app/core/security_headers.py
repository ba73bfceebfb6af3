"""HTTP security headers from flask-talisman: nosniff, no framing and a referrer policy on every response; a CSP
that allows nothing on JSON answers; pages declare their own CSP. HTTPS redirect and HSTS are configurable so that
local http keeps working (HSTS is only ever sent on https requests)."""

from urllib.parse import urlsplit

from flask import Flask
from flask_talisman import Talisman

# JSON answers load nothing and are never framed.
API_POLICY = {"default-src": "'none'", "frame-ancestors": "'none'"}
# Pages: same-origin scripts and styles only, never framed, nothing posted elsewhere.
PAGE_POLICY = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
               "connect-src": "'self'", "object-src": "'none'", "base-uri": "'none'", "form-action": "'self'",
               "frame-ancestors": "'none'"}

# Per-view options for talisman (its decorator only marks the view; the app's Talisman applies them).
view_headers = Talisman()


def init_app(app: Flask) -> None:
    hsts_seconds = app.config["HSTS_SECONDS"]
    Talisman(app, force_https=app.config["FORCE_HTTPS"], content_security_policy=API_POLICY, frame_options="DENY",
             strict_transport_security=hsts_seconds > 0, strict_transport_security_max_age=hsts_seconds,
             strict_transport_security_include_subdomains=False, referrer_policy="strict-origin-when-cross-origin")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def policy_header(policy: dict) -> str:
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())
