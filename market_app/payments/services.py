"""Payment rules: PaymentIntents for orders, refunds within what was paid, and Stripe webhooks."""

import enum
import functools
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import stripe
from flask import current_app

from market_app.core import claims, jobs, metrics, uow
from market_app.core.db import db, utcnow
from market_app.core.errors import Conflict, DomainError, InvalidInput, ServiceUnavailable
from market_app.core.signals import payment_failed, payment_flagged, payment_succeeded, refund_failed, refund_recorded
from market_app.payments import gateway
from market_app.payments.models import (
    FINAL_PAYMENT_STATUSES,
    Payment,
    PaymentKind,
    PaymentStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
    WebhookEventStatus,
)

log = logging.getLogger(__name__)
CURRENCY = "krw"
REFUND_JOB = "payments.send_refund"
# A claim older than this belongs to a run that died between the claim and the outcome (far above one Stripe
# call's timeout); its refund is claimed again and re-sent with the same idempotency key.
REFUND_CLAIM_SECONDS = 300


def stripe_client() -> stripe.StripeClient:
    """One client per app, configured from STRIPE_API_KEY / STRIPE_API_BASE / STRIPE_TIMEOUT_SECONDS."""
    client = current_app.extensions.get("stripe_client")
    if client is None:
        config = current_app.config
        client = gateway.make_client(config["STRIPE_API_KEY"] or "sk_test_localstripe",
                                     config["STRIPE_API_BASE"] or None, config["STRIPE_TIMEOUT_SECONDS"])
        current_app.extensions["stripe_client"] = client
    return client


def open_payment_intent(*, amount: int, reference: str, metadata: dict[str, str], field: str) -> stripe.PaymentIntent:
    """Create the PaymentIntent before anything is written, so an unreachable Stripe leaves nothing behind.
    field names the request field to blame when Stripe refuses the payment request itself."""
    try:
        return gateway.create_payment_intent(
            stripe_client(), amount=amount, currency=CURRENCY, metadata={"reference": reference, **metadata},
            idempotency_key=f"payment-{reference}",
        )
    except gateway.PaymentProviderUnavailable as error:
        log.warning("Stripe unavailable while opening payment %s: %s", reference, error)
        raise ServiceUnavailable("The payment service is not answering; nothing was charged. Please retry.") from error
    except gateway.PaymentRequestRefused as error:
        log.warning("Stripe refused payment request %s: %s", reference, error)
        raise InvalidInput(field, f"The payment service refused this payment: {error.message}") from error


def cancel_intent_quietly(payment_intent_id: str) -> bool:
    """Best effort: an intent nobody can confirm anyway (its order was never written or is closed)."""
    try:
        gateway.cancel_payment_intent(stripe_client(), payment_intent_id)
        return True
    except (gateway.GatewayError, stripe.StripeError) as error:
        log.warning("Could not cancel PaymentIntent %s: %s", payment_intent_id, error)
        return False


def cancel_payment(payment: Payment) -> bool:
    """Ask Stripe to cancel the payment's intent. The payment becomes canceled only on Stripe's word: when Stripe
    refuses (the intent is processing or was paid meanwhile) or cannot be reached, the payment keeps the state
    Stripe reports, and False says the caller must not treat the money as never coming."""
    if payment.status == PaymentStatus.CANCELED:
        return True
    try:
        intent = gateway.cancel_payment_intent(stripe_client(), payment.payment_intent_id)
    except (gateway.GatewayError, stripe.StripeError) as error:
        log.warning("Stripe did not cancel PaymentIntent %s: %s", payment.payment_intent_id, error)
        try:
            sync_payment(payment)  # paid meanwhile? then payment_succeeded has fired
        except (gateway.GatewayError, stripe.StripeError):
            return False
    else:
        apply_intent_state(payment, intent.to_dict())
    return payment.status == PaymentStatus.CANCELED


def record_payment(intent: stripe.PaymentIntent, *, kind: PaymentKind, market_id: int,
                   order_id: int | None = None, stall_id: int | None = None) -> Payment:
    payment = Payment(kind=kind, market_id=market_id, order_id=order_id, stall_id=stall_id, amount=intent.amount,
                      currency=CURRENCY, status=PaymentStatus(intent.status), payment_intent_id=intent.id,
                      client_secret=intent.client_secret)
    db.session.add(payment)
    metrics.count_payment_status(payment.status.value)
    return payment


@dataclass(frozen=True)
class RecordedPayment:
    """A payment just written by record_order_payment, with the fields an order's 201 body shows."""

    id: int
    status: PaymentStatus
    amount: int
    currency: str
    client_secret: str
    payment_intent_id: str
    refunded_amount: int = 0  # a new payment has no refunds


def record_order_payment(intent: stripe.PaymentIntent, *, market_id: int, order_id: int) -> RecordedPayment:
    """record_payment for an order being placed, as one Core INSERT: checkout writes the order's rows without the
    ORM's unit of work (orders/placement.py), and its payment row likewise."""
    status, now = PaymentStatus(intent.status), utcnow()
    payment_id = db.session.execute(_insert_payment(), {
        "kind": PaymentKind.ORDER, "order_id": order_id, "stall_id": None, "market_id": market_id,
        "amount": intent.amount, "currency": CURRENCY, "status": status, "payment_intent_id": intent.id,
        "client_secret": intent.client_secret, "created_at": now, "updated_at": now}).scalar_one()
    metrics.count_payment_status(status.value)
    return RecordedPayment(payment_id, status, intent.amount, CURRENCY, intent.client_secret, intent.id)


@functools.cache
def _insert_payment() -> sa.Insert:
    return sa.insert(Payment.__table__).returning(Payment.__table__.c.id)


def payment_for_order(order_id: int) -> Payment | None:
    return db.session.scalar(sa.select(Payment).filter_by(order_id=order_id))


def sync_payment(payment: Payment) -> Payment:
    """Ask Stripe for the intent's state (used before expiring an order that may just have been paid)."""
    intent = gateway.retrieve_payment_intent(stripe_client(), payment.payment_intent_id)
    apply_intent_state(payment, intent.to_dict())
    return payment


# --- refunds -------------------------------------------------------------------------------------------


def refunded_for(payment: Payment, stall_order_id: int | None) -> int:
    return sum(r.amount for r in payment.refunds
               if r.stall_order_id == stall_order_id and r.status != RefundStatus.FAILED)


def lock_for_refund(payment: Payment) -> None:
    """Make refunds of one payment wait for each other until commit, then read what the others refunded.
    A write on the payment's row takes its row lock on PostgreSQL and the write lock on SQLite; without it two
    concurrent refunds both saw the same amount left and together refunded more than was paid."""
    db.session.execute(sa.update(Payment).where(Payment.id == payment.id).values(updated_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.expire(payment, ["refunds"])


def request_refund(payment: Payment, amount: int, *, cap: int, stall_order_id: int | None, reason: str,
                   actor_id: int | None) -> Refund:
    """Record a refund of part of a payment, sent to Stripe once the unit of work commits. cap is what was paid
    for that part (a stall order's subtotal, the delivery fee); neither the part nor the payment can ever be
    refunded beyond what was paid."""
    if payment.status != PaymentStatus.SUCCEEDED:
        raise Conflict("Nothing to refund: the payment has not succeeded.")
    lock_for_refund(payment)
    left = refundable(payment, cap, stall_order_id)
    if amount <= 0 or amount > left:
        raise InvalidInput("amount", f"Refundable here: at most {left} won.")
    refund = Refund(payment=payment, amount=amount, stall_order_id=stall_order_id, reason=reason, actor_id=actor_id)
    db.session.add(refund)
    db.session.flush()
    refund_recorded.send(refund)
    uow.after_commit(lambda refund_id=refund.id: _send_committed_refund(refund_id))
    return refund


def refundable(payment: Payment, cap: int, stall_order_id: int | None) -> int:
    """What is left to refund of one part of a payment (read under lock_for_refund)."""
    return max(0, min(cap - refunded_for(payment, stall_order_id), payment.amount - payment.refunded_amount))


def refund_rest(payment: Payment, cap: int, stall_order_id: int | None, reason: str, actor_id: int | None) -> None:
    """Refund whatever is still unrefunded of one part (a closed stall order, the delivery fee); nothing when
    the payment has not succeeded or the part is already refunded."""
    if payment.status != PaymentStatus.SUCCEEDED:
        return
    lock_for_refund(payment)  # what is left is read after any concurrent refund has committed
    left = refundable(payment, cap, stall_order_id)
    if left > 0:
        request_refund(payment, left, cap=cap, stall_order_id=stall_order_id, reason=reason, actor_id=actor_id)


def _send_committed_refund(refund_id: int) -> None:
    """After the refund row is committed: send it now; if Stripe is unreachable, a job retries it later."""
    send_refund(refund_id)


class SendOutcome(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"  # Stripe refused it (it will not be sent again)
    UNREACHABLE = "unreachable"  # Stripe did not answer: still pending, retried later
    NOT_CLAIMED = "not_claimed"  # already sent, or being sent by another run right now


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    stale = now - timedelta(seconds=REFUND_CLAIM_SECONDS)
    return sa.and_(Refund.status == RefundStatus.PENDING,
                   sa.or_(Refund.claimed_at.is_(None), Refund.claimed_at < stale))


def claim_refund(refund_id: int) -> bool:
    """Claim one pending refund for this run, committed before Stripe is called: of two runs, one gets it."""
    return claims.claim_one(Refund, _claimable, refund_id)


def claim_pending_refunds(limit: int) -> list[int]:
    """Claim up to limit pending refunds, oldest first (overlapping runs take disjoint rows)."""
    return claims.claim_many(Refund, _claimable, limit=limit)


def release_claims(ids: list[int]) -> None:
    """Give claimed refunds back unsent (Stripe went away before their turn)."""
    claims.release(Refund, ids, Refund.status == RefundStatus.PENDING)


def send_refund(refund_id: int) -> SendOutcome:
    """Send one recorded refund to Stripe if this run can claim it; the outcome is committed."""
    if not claim_refund(refund_id):
        return SendOutcome.NOT_CLAIMED
    return _send_claimed(refund_id)


def _send_claimed(refund_id: int) -> SendOutcome:
    refund = db.session.get(Refund, refund_id)
    refund.attempts += 1
    try:
        result = gateway.create_refund(
            stripe_client(), payment_intent_id=refund.payment.payment_intent_id, amount=refund.amount,
            # The intent id keeps keys unique across databases that reuse refund ids (Stripe keeps keys 24 h).
            idempotency_key=f"refund-{refund.payment.payment_intent_id}-{refund.id}",
            metadata={"refund_id": str(refund.id)},
        )
    except gateway.PaymentProviderUnavailable as error:
        refund.last_error, outcome = str(error)[:255], SendOutcome.UNREACHABLE
        _retry_later(refund)
    except (gateway.GatewayError, stripe.StripeError) as error:
        refund.status, refund.last_error, outcome = RefundStatus.FAILED, str(error)[:255], SendOutcome.FAILED
        refund_failed.send(refund)  # the ledger gives the refunded amount back to the stall
    else:
        refund.status, refund.stripe_refund_id, refund.last_error = RefundStatus.SUCCEEDED, result.id, None
        outcome = SendOutcome.SENT
    refund.claimed_at = None
    uow.commit()
    return outcome


def _retry_later(refund: Refund) -> None:
    """One retry job per refund, queued with the commit that gives the claim back; its later attempts back off.
    A refund that runs out of retries is still pending and the periodic sweep sends it."""
    if refund.attempts <= 1:
        delay = current_app.config["REFUND_RETRY_DELAY_SECONDS"]
        jobs.enqueue(REFUND_JOB, refund.id, delay=delay)


def send_refund_job(refund_id: int) -> str:
    """The retry job: raising makes the queue try again later (with backoff) while Stripe stays unreachable."""
    outcome = send_refund(refund_id)
    if outcome == SendOutcome.UNREACHABLE:
        raise StripeUnreachable(f"refund {refund_id} still pending: Stripe unreachable")
    return outcome.value


class StripeUnreachable(Exception):
    """Raised by jobs to be retried later."""


@dataclass(frozen=True)
class SweepReport:
    sent: int
    failed: int
    still_pending: int  # not claimed by anybody: the next run (or a retry job) sends them
    in_flight: int  # claimed by another run that is sending them right now
    unreachable: bool

    def __str__(self) -> str:
        text = f"sent {self.sent}, failed {self.failed}, {self.still_pending} still pending"
        if self.in_flight:
            text += f", {self.in_flight} being sent by another run"
        return text + (" (Stripe unreachable)" if self.unreachable else "")


def send_pending_refunds(batch: int = 10) -> SweepReport:
    """Send every pending refund this run can claim, and say what was really sent. Stops at the first sign that
    Stripe is unreachable (the rest stays pending, unclaimed, for the next run)."""
    counts = {SendOutcome.SENT: 0, SendOutcome.FAILED: 0}
    unreachable = False
    while not unreachable and (claimed := claim_pending_refunds(batch)):
        for position, refund_id in enumerate(claimed):
            outcome = _send_claimed(refund_id)
            if outcome == SendOutcome.UNREACHABLE:
                unreachable = True
                release_claims(claimed[position + 1:])
                break
            counts[outcome] += 1
    pending = sa.select(sa.func.count()).select_from(Refund).where(Refund.status == RefundStatus.PENDING)
    still_pending = db.session.scalar(pending.where(_claimable(utcnow())))
    in_flight = db.session.scalar(pending) - still_pending
    uow.commit()
    return SweepReport(counts[SendOutcome.SENT], counts[SendOutcome.FAILED], still_pending, in_flight, unreachable)


def sweep_pending_refunds() -> str:
    """The periodic job: pending refunds whose own retry job ran out or was lost."""
    report = send_pending_refunds()
    log.info("pending refunds: %s", report)
    return str(report)


# --- webhooks ------------------------------------------------------------------------------------------


def verify_event(payload: bytes, signature: str | None) -> stripe.Event:
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    if not secret:
        raise ServiceUnavailable("Webhooks are not configured (STRIPE_WEBHOOK_SECRET).")
    try:
        return gateway.construct_event(payload, signature, secret)
    except gateway.WebhookVerificationFailed as error:
        raise DomainError("Webhook signature verification failed.",
                          {"headers": {"Stripe-Signature": [str(error)[:200]]}}) from error


def apply_intent_state(payment: Payment, intent: dict) -> bool:
    """Move the payment to the intent's state unless it is already final; returns whether it changed.
    A late 'failed' after 'succeeded' (events out of order) therefore changes nothing. Money is never ignored:
    Stripe reporting a success moves even a payment believed canceled, and the reactions give the money back
    if its order is gone."""
    status = intent["status"]
    new_status = PaymentStatus(status) if status in PaymentStatus._value2member_map_ else payment.status
    if payment.status in FINAL_PAYMENT_STATUSES and not (
            payment.status == PaymentStatus.CANCELED and new_status == PaymentStatus.SUCCEEDED):
        return False
    error = intent.get("last_payment_error")
    if new_status == PaymentStatus.REQUIRES_PAYMENT_METHOD and error:
        new_status = PaymentStatus.FAILED
    if new_status == payment.status:
        return False
    if new_status == PaymentStatus.SUCCEEDED:
        mismatch = _mismatch(payment, intent)
        if mismatch:
            return _flag(payment, mismatch)
    payment.status = new_status
    metrics.count_payment_status(new_status.value)
    if error:
        payment.last_error = str(error.get("message") or error.get("code") or "declined")[:255]
    if new_status == PaymentStatus.SUCCEEDED:
        payment.succeeded_at = utcnow()
        payment_succeeded.send(payment)
    elif new_status == PaymentStatus.FAILED:
        payment_failed.send(payment)
    return True


def _mismatch(payment: Payment, intent: dict) -> str | None:
    """What in a success report does not match the payment we opened, or None."""
    currency = str(intent.get("currency") or "").lower()
    received = intent.get("amount_received") or intent.get("amount")
    if currency != payment.currency:
        return f"Stripe reported a payment in {currency or 'no currency'}, not {payment.currency}."
    if received != payment.amount:
        return f"Stripe reported {received} {currency} received; {payment.amount} was asked."
    return None


def _flag(payment: Payment, reason: str) -> bool:
    """Record a success report that does not match, once; the market's admins are told, the order stays unpaid."""
    if payment.flag_reason == reason:
        return False
    log.error("Payment %s flagged: %s", payment.id, reason)
    payment.flagged_at, payment.flag_reason = utcnow(), reason[:255]
    payment_flagged.send(payment)
    return True


HANDLED_EVENTS = {"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
                  "payment_intent.requires_action", "payment_intent.processing"}


EVENT_JOB = "payments.process_event"
EVENT_RESWEEP_SECONDS = 120  # an event still unprocessed this long after receipt has lost its job: queue again


def receive_event(event: stripe.Event, payload: bytes) -> str:
    """Store a verified event and queue its processing (after the commit); the webhook answers 200 at once.
    The same event delivered twice, also at the same moment, is stored once and queued once."""
    if db.session.get(WebhookEvent, event.id) is not None:
        return "duplicate"
    try:
        with db.session.begin_nested():  # the same event delivered twice at once: the second waits, then is refused
            db.session.add(WebhookEvent(id=event.id, type=event.type, payload=payload.decode("utf-8"),
                                        status=WebhookEventStatus.RECEIVED))
    except sa.exc.IntegrityError:
        return "duplicate"
    jobs.enqueue(EVENT_JOB, event.id)
    return "queued"


def process_event(event_id: str) -> str:
    """The job: process a stored event once. The conditional UPDATE claims it in this transaction (a second job
    for the same event waits for it, then finds it processed); an error rolls everything back and the queue
    retries it."""
    claimed = db.session.execute(
        sa.update(WebhookEvent).where(WebhookEvent.id == event_id, WebhookEvent.status == WebhookEventStatus.RECEIVED)
        .values(attempts=WebhookEvent.attempts + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return "duplicate"
    stored = db.session.get(WebhookEvent, event_id)
    db.session.refresh(stored)
    event = stripe.Event.construct_from(json.loads(stored.payload), current_app.config["STRIPE_API_KEY"])
    result = handle_event(event)
    stored.status, stored.result, stored.processed_at = WebhookEventStatus.PROCESSED, result, utcnow()
    log.info("webhook event %s (%s): %s", event_id, event.type, result)
    return result


def requeue_stalled_events(now: datetime | None = None) -> int:
    """The periodic sweep: events whose job was lost (the broker was down at receipt) are queued again."""
    stale = (now or utcnow()) - timedelta(seconds=EVENT_RESWEEP_SECONDS)
    ids = db.session.scalars(sa.select(WebhookEvent.id).where(WebhookEvent.status == WebhookEventStatus.RECEIVED,
                                                              WebhookEvent.received_at < stale)).all()
    for event_id in ids:
        jobs.enqueue(EVENT_JOB, event_id)
    return len(ids)


def handle_event(event: stripe.Event) -> str:
    """Apply one stored event (called once per event id by process_event). Returns what happened."""
    if event.type not in HANDLED_EVENTS:
        return "ignored"
    intent = event.data.object.to_dict()
    payment = db.session.scalar(sa.select(Payment).filter_by(payment_intent_id=intent["id"]))
    if payment is None:
        return "unknown_payment"
    if event.type == "payment_intent.payment_failed":
        intent = {**intent, "status": PaymentStatus.FAILED.value}
    return "processed" if apply_intent_state(payment, intent) else "unchanged"
