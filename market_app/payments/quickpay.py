"""Quick pay at the stall: the merchant asks for an amount, the shopper scans a QR code and pays by Stripe;
the sale lands in the same ledger as online orders."""

import secrets

import segno
import sqlalchemy as sa
from flask import current_app

from market_app.accounts.models import User
from market_app.core.db import db, utcnow
from market_app.core.errors import NotFound
from market_app.markets.models import Stall
from market_app.payments import services
from market_app.payments.models import Payment, PaymentKind, QuickPayRequest, QuickPayStatus


def create_request(stall: Stall, merchant: User, amount: int, memo: str | None) -> QuickPayRequest:
    token = secrets.token_urlsafe(24)
    intent = services.open_payment_intent(
        amount=amount, reference=f"quickpay-{token}",
        metadata={"market_id": str(stall.market_id), "stall_id": str(stall.id), "kind": PaymentKind.QUICK_PAY.value},
        field="amount",
    )
    payment = services.record_payment(intent, kind=PaymentKind.QUICK_PAY, market_id=stall.market_id,
                                      stall_id=stall.id)
    request = QuickPayRequest(token=token, stall_id=stall.id, amount=amount, memo=memo, payment=payment,
                              created_by_id=merchant.id)
    db.session.add(request)
    return request


def get_by_token(token: str) -> QuickPayRequest:
    request = db.session.scalar(sa.select(QuickPayRequest).filter_by(token=token))
    if request is None:
        raise NotFound("Payment request not found.")
    return request


def pay_url(request: QuickPayRequest) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/pay/{request.token}"


def qr_png_data_uri(url: str) -> str:
    """The QR code of the pay URL as a PNG data URI, ready for an <img> on the merchant's phone."""
    return segno.make(url, error="m").png_data_uri(scale=6, border=2)


def on_payment_succeeded(payment: Payment, **_kwargs) -> None:
    """A quick pay's payment succeeded: the in-person sale is recorded for the stall."""
    if payment.kind != PaymentKind.QUICK_PAY:
        return
    pay_request = db.session.scalar(sa.select(QuickPayRequest).filter_by(payment_id=payment.id))
    pay_request.status, pay_request.paid_at = QuickPayStatus.PAID, utcnow()
