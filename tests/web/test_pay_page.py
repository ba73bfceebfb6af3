"""The quick-pay page behind the stall's QR code."""


def test_pay_page_is_served_for_any_token_and_reads_the_api(client):
    page = client.get("/pay/some-token")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/api/v1/quick-pay/" in html and "/pay/config.js" in html
    assert page.headers["Cache-Control"] == "no-store"


def test_pay_config_names_stripe_js_and_the_publishable_key(app, client):
    app.config.update(STRIPE_PUBLISHABLE_KEY="pk_test_abc", STRIPE_JS_URL="http://127.0.0.1:9/js.stripe.com/v3/")
    try:
        body = client.get("/pay/config.js").get_data(as_text=True)
    finally:
        app.config.update(STRIPE_PUBLISHABLE_KEY="", STRIPE_JS_URL="https://js.stripe.com/v3/")
    assert body == ('window.MARKET_STRIPE = {"publishableKey": "pk_test_abc", '
                    '"jsUrl": "http://127.0.0.1:9/js.stripe.com/v3/"};')
