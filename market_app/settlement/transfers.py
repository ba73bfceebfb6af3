"""Stripe transfers of payouts: each one is claimed by the one run that sends it, sent only if Stripe has none for
that payout yet (same idempotency key every time), and retried by a sweep until Stripe confirms or refuses it."""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
import stripe

from market_app.core import claims, uow
from market_app.core.db import db, lock_row, utcnow
from market_app.markets.models import Stall
from market_app.payments import gateway, services
from market_app.payments.services import SendOutcome, SweepReport
from market_app.settlement.models import Payout, PayoutMethod, PayoutStatus

log = logging.getLogger(__name__)
SWEEP_JOB = "settlement.sweep_transfers"
SEND_JOB = "settlement.send_transfers"
# A claim older than this belongs to a run that died between the claim and the outcome (far above a batch's two
# Stripe calls per payout, see BATCH): the sweep claims the payout again, and finds at Stripe a transfer that run
# may have made.
CLAIM_SECONDS = 300
# Past this many attempts Stripe did not answer, every further attempt logs an error for the operators (the
# payout is still retried: giving up while Stripe cannot be asked could have it paid twice, by Stripe and by bank).
ALERT_AFTER_ATTEMPTS = 12
# Errors that are the platform's (its key), not the payout's, and Stripe still working on the same key (another run's
# request in flight): retried like an outage, never failing the payouts.
_RETRIED = (gateway.PaymentProviderUnavailable, stripe.AuthenticationError, stripe.IdempotencyError)
# Payouts claimed at once: each takes at most two Stripe calls (look up, create) of STRIPE_TIMEOUT_SECONDS (10 s,
# no network retries), so a batch ends well inside CLAIM_SECONDS and no other run can take one of its payouts.
BATCH = 10


def transfer_key(payout: Payout) -> str:
    """The payout's idempotency key, the same on every attempt (the transfer group keeps it unique across
    databases that reuse payout ids). A resend takes a new one: Stripe answers a key it has seen with its first
    answer, the refusal, for a day."""
    resent = f"-resend-{payout.resends}" if payout.resends else ""
    return f"payout-{payout.transfer_group}-{payout.id}{resent}"


def _claimable(now) -> sa.ColumnElement[bool]:
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    return sa.and_(Payout.method == PayoutMethod.STRIPE_TRANSFER, Payout.status == PayoutStatus.PENDING,
                   sa.or_(Payout.claimed_at.is_(None), Payout.claimed_at < stale))


def claim(which: sa.ColumnElement[bool], limit: int | None = None) -> list[int]:
    """Claim the payouts matching which that still wait for their transfer, committed before Stripe is called:
    of two runs, one gets each. The least recently tried come first, so one payout Stripe keeps failing does
    not hold up the others."""
    return claims.claim_many(Payout, _claimable, where=which, limit=limit,
                             order_by=(Payout.last_attempt_at.asc().nulls_first(),))


def release(ids: list[int]) -> None:
    """Give claimed payouts back untried (Stripe went away before their turn)."""
    claims.release(Payout, ids, Payout.status == PayoutStatus.PENDING)


def send_claimed(ids: list[int]) -> dict[SendOutcome, int]:
    """Send the claimed payouts' transfers one by one, each outcome committed; stops at the first sign that Stripe
    is unreachable and gives the rest back (one unanswered call per run, not one per payout)."""
    counts = dict.fromkeys(SendOutcome, 0)
    for position, payout_id in enumerate(ids):
        outcome = _send_claimed(payout_id)
        counts[outcome] += 1
        if outcome == SendOutcome.UNREACHABLE:
            release(ids[position + 1:])
            break
    return counts


def send_transfers(payout_ids: list[int]) -> None:
    """The job queued by a payout run's commit: send its Stripe transfers in batches (what Stripe cannot take now,
    the sweep sends)."""
    while payout_ids and (claimed := claim(Payout.id.in_(payout_ids), BATCH)):
        if send_claimed(claimed)[SendOutcome.UNREACHABLE]:
            return


def _send_claimed(payout_id: int) -> SendOutcome:
    payout = db.session.get(Payout, payout_id)
    claimed_at = payout.claimed_at
    payout.attempts += 1
    payout.last_attempt_at = utcnow()
    try:
        outcome = _transfer(payout, claimed_at)
    except _RETRIED as error:
        outcome = _retry_later(payout, error)
    except (gateway.GatewayError, stripe.StripeError) as error:
        outcome = _fail(payout, f"Stripe refused the transfer: {error}")
    payout.claimed_at = None
    if outcome == SendOutcome.NOT_CLAIMED or not _still_claimed(payout_id, claimed_at):
        uow.rollback()
        log.warning("Payout %s was taken over while this run was asking Stripe (outcome %s): what the other run or "
                    "an admin recorded stands", payout_id, outcome)
        # Stripe not answering still stops the batch; anything else lets the next payout go.
        return outcome if outcome == SendOutcome.UNREACHABLE else SendOutcome.NOT_CLAIMED
    uow.commit()
    return outcome


def _still_claimed(payout_id: int, claimed_at: datetime | None) -> bool:
    """Whether this run's claim still holds; the row stays locked until the outcome is committed. A run slower than
    CLAIM_SECONDS may have been taken over by the sweep, and the payout since failed, sent again or paid by bank:
    this run must neither move money for it nor write its late answer over that."""
    with db.session.no_autoflush:  # the claim is read as the database has it, not as this run changed it
        lock_row(Payout, payout_id)
        row = db.session.execute(sa.select(Payout.claimed_at, Payout.status).where(Payout.id == payout_id)).one()
    return row.claimed_at == claimed_at and row.status == PayoutStatus.PENDING


def _transfer(payout: Payout, claimed_at: datetime | None) -> SendOutcome:
    if payout.net <= 0:  # everything was refunded or taken as commission: nothing to send
        return _paid(payout, None)
    # A run that died after Stripe made the transfer left no trace here: ask Stripe first (its idempotency keys last
    # 24 hours; localstripe ignores them), so a failed payout is one Stripe has no transfer of.
    client = services.stripe_client()
    transfer = find_transfer(payout, client)
    if transfer is None:
        account = stripe_account(payout.stall_id)
        if account is None:
            return _fail(payout, "The stall has no Stripe account any more: pay this payout by bank transfer.")
        # Money moves only while this run's claim holds. Its row lock is kept through the create and the commit, so
        # the sweep skips the payout and an admin recording a bank transfer waits, then finds it paid.
        if not _still_claimed(payout.id, claimed_at):
            return SendOutcome.NOT_CLAIMED
        transfer = gateway.create_transfer(
            client, amount=payout.net, currency=services.CURRENCY, destination=account,
            transfer_group=payout.transfer_group, metadata=_mark(payout), idempotency_key=transfer_key(payout))
    return _paid(payout, transfer.id)


def _mark(payout: Payout) -> dict[str, str]:
    """The payout's id and its creation time mark its transfer (ids alone repeat in a database restored or reset)."""
    return {"payout_id": str(payout.id), "payout_created_at": payout.created_at.isoformat()}


def find_transfer(payout: Payout, client: stripe.StripeClient | None = None) -> stripe.Transfer | None:
    """Stripe's transfer of this payout, if it made one. A lookup Stripe refuses leaves that unknown: it counts as
    Stripe not answering (PaymentProviderUnavailable, retried), never as a refusal that would fail the payout."""
    try:
        return gateway.find_transfer(client or services.stripe_client(), transfer_group=payout.transfer_group,
                                     metadata=_mark(payout))
    except (gateway.PaymentRequestRefused, stripe.StripeError) as error:
        raise gateway.PaymentProviderUnavailable(f"Stripe refused the transfer lookup: {error}") from error


def _paid(payout: Payout, transfer_id: str | None) -> SendOutcome:
    payout.status, payout.stripe_transfer_id, payout.last_error = PayoutStatus.PAID, transfer_id, None
    payout.paid_at = utcnow()
    return SendOutcome.SENT


def _fail(payout: Payout, reason: str) -> SendOutcome:
    """Final: a refusal is not retried (the same request would be refused again); a person decides."""
    log.warning("Transfer of payout %s failed for good: %s", payout.id, reason)
    payout.status, payout.last_error = PayoutStatus.FAILED, reason[:255]
    return SendOutcome.FAILED


def _retry_later(payout: Payout, error: Exception) -> SendOutcome:
    level = logging.ERROR if payout.attempts >= ALERT_AFTER_ATTEMPTS else logging.WARNING
    log.log(level, "Transfer of payout %s not confirmed (attempt %d), retried by the sweep: %s",
            payout.id, payout.attempts, error)
    payout.last_error = f"Stripe unreachable, will retry: {error}"[:255]
    return SendOutcome.UNREACHABLE


def stripe_account(stall_id: int) -> str | None:
    """The stall's connected account, as it is now."""
    return db.session.scalar(sa.select(Stall.stripe_account_id).where(Stall.id == stall_id))


def send_pending_transfers(batch: int = BATCH) -> SweepReport:
    """Send every pending Stripe transfer this run can claim, and say what was really sent."""
    counts = dict.fromkeys(SendOutcome, 0)
    while not counts[SendOutcome.UNREACHABLE] and (claimed := claim(sa.true(), batch)):
        for outcome, count in send_claimed(claimed).items():
            counts[outcome] += count
    waiting = (sa.select(sa.func.count()).select_from(Payout)
               .where(Payout.method == PayoutMethod.STRIPE_TRANSFER, Payout.status == PayoutStatus.PENDING))
    still_pending = db.session.scalar(waiting.where(_claimable(utcnow())))
    in_flight = db.session.scalar(waiting) - still_pending
    uow.commit()
    return SweepReport(counts[SendOutcome.SENT], counts[SendOutcome.FAILED], still_pending, in_flight,
                       bool(counts[SendOutcome.UNREACHABLE]))


def sweep_transfers() -> str:
    """The periodic job: payouts whose transfer Stripe did not confirm (down, refusing with 429/5xx, timing out,
    or a worker that died after the payout's commit)."""
    report = send_pending_transfers()
    log.info("pending payout transfers: %s", report)
    return str(report)
