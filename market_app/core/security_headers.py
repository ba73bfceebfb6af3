"""HTTP security headers from flask-talisman: nosniff, no framing and a referrer policy on every response; a CSP
that allows nothing on JSON answers; pages declare their own CSP. HTTPS redirect and HSTS are configurable so that
local http keeps working (HSTS is only ever sent on https requests)."""

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_talisman import Talisman

# JSON answers load nothing and are never framed.
API_POLICY = {"default-src": "'none'", "frame-ancestors": "'none'"}
# Pages: same-origin scripts and styles only, never framed, nothing posted elsewhere.
PAGE_POLICY = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
               "connect-src": "'self'", "object-src": "'none'", "base-uri": "'none'", "form-action": "'self'",
               "frame-ancestors": "'none'"}

# Per-view options for talisman (its decorator only marks the view; the app's Talisman applies them).
view_headers = Talisman()


def init_app(app: Flask) -> Callable[[str, bool], list[tuple[str, str]] | None]:
    """Returns fixed_headers_for(path, https): the headers every answer of the route at path gets (for
    core/cache_front.py, which answers without running Flask's hooks); None when they change per answer."""
    hsts_seconds = app.config["HSTS_SECONDS"]
    talisman = Talisman(app, force_https=app.config["FORCE_HTTPS"], content_security_policy=API_POLICY,
                        frame_options="DENY", strict_transport_security=hsts_seconds > 0,
                        strict_transport_security_max_age=hsts_seconds,
                        strict_transport_security_include_subdomains=False,
                        referrer_policy="strict-origin-when-cross-origin")
    fixed: dict[tuple[str | None, bool], list[tuple[str, str]] | None] = {}

    def fixed_headers() -> list[tuple[str, str]] | None:
        """The current request's security headers, which depend only on its route and on https (the same test as
        talisman's): asked of talisman once per route, by running its own hook on a blank response (it has no
        public call for this). None when they change per answer (a CSP nonce)."""
        https = request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https"
        key = (request.endpoint, https)
        if key not in fixed:
            if talisman._get_local_options()["content_security_policy_nonce_in"]:
                fixed[key] = None
            else:
                response = Response()
                blank = set(response.headers.keys())
                talisman._set_response_headers(response)
                fixed[key] = [(name, value) for name, value in response.headers.items() if name not in blank]
        return fixed[key]

    def set_fixed_headers(response: Response) -> Response:
        headers = fixed_headers()
        if headers is None:
            return talisman._set_response_headers(response)
        for name, value in headers:
            response.headers[name] = value  # replaced, as talisman does
        return response

    # Talisman's own hook works the same headers out again for every answer: it is swapped for the remembered ones.
    hooks = app.after_request_funcs[None]
    hooks[hooks.index(talisman._set_response_headers)] = set_fixed_headers
    # Its two hooks before every request look up the view's options for an HTTPS redirect and a CSP nonce. No view
    # here asks for either (the pay page makes its own nonce): they run only when the configuration does.
    before = app.before_request_funcs[None]
    if not talisman.force_https:
        before.remove(talisman._force_https)
    if not talisman.content_security_policy_nonce_in:
        before.remove(talisman._make_nonce)

    def fixed_headers_for(path: str, https: bool) -> list[tuple[str, str]] | None:
        with app.test_request_context(path, base_url="https://localhost" if https else "http://localhost"):
            return fixed_headers()

    return fixed_headers_for


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def policy_header(policy: dict) -> str:
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())
