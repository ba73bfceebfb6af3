"""Settling a payout that did not go by Stripe, by its market's admins: a transfer that failed for good is sent
again once its cause is fixed, or the bank transfer that paid it is recorded. Each acts on the payout's row locked,
so two admins, or an admin and a run sending the transfer, act one after the other on what the first left."""

import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.core import jobs, uow
from market_app.core.db import db, lock_row, utcnow
from market_app.core.errors import Conflict, Forbidden, NotFound, ServiceUnavailable
from market_app.markets import access as market_access
from market_app.markets.models import Stall
from market_app.payments import gateway
from market_app.settlement import transfers
from market_app.settlement.models import Payout, PayoutMethod, PayoutStatus


def administered_payout(payout_id: int, user: User) -> Payout:
    """The payout, its row locked and read again, for an admin of its market (or the platform's) to settle. The
    stall's owner, who sees it among the stall's payouts, is refused with 403; anyone else finds nothing (404)."""
    payout = db.session.get(Payout, payout_id)
    if payout is not None and not market_access.is_market_admin(user, payout.market_id):
        if db.session.scalar(sa.select(Stall.owner_id).where(Stall.id == payout.stall_id)) == user.id:
            raise Forbidden("Only an admin of this market may settle its payouts.")
        payout = None
    if payout is None:
        raise NotFound("Payout not found.")
    lock_row(Payout, payout.id)
    db.session.refresh(payout)
    return payout


def record_bank_transfer(payout: Payout, actor: User, reference: str) -> None:
    """The association paid this payout by bank: one owed by bank transfer, or a Stripe transfer that failed for
    good. Never one Stripe may still send, nor one Stripe did send after all (a payout failed before the sweep
    looked Stripe up first): it would be paid twice."""
    owed_by_bank = payout.status == PayoutStatus.PENDING and payout.method == PayoutMethod.BANK_TRANSFER
    if not (owed_by_bank or _failed_at_stripe(payout)):
        raise _refusal(payout, "paid by bank")
    if not owed_by_bank:
        _refuse_if_stripe_paid_it(payout)
    payout.method, payout.status, payout.last_error = PayoutMethod.BANK_TRANSFER, PayoutStatus.PAID, None
    payout.bank_reference, payout.paid_by_id, payout.paid_at = reference.strip(), actor.id, utcnow()


def resend(payout: Payout) -> None:
    """Send a transfer that failed for good again, once its cause is fixed (the stall connected a Stripe account,
    the platform's balance was topped up): pending again, sent after the commit, else by the sweep. A transfer
    Stripe made after all is found before a second one is created."""
    if not _failed_at_stripe(payout):
        raise _refusal(payout, "sent again")
    if transfers.stripe_account(payout.stall_id) is None:
        raise Conflict("The stall has no Stripe account to send this payout to: record the bank transfer that pays "
                       "it instead.")
    payout.status, payout.last_error, payout.claimed_at = PayoutStatus.PENDING, None, None
    payout.resends += 1
    jobs.enqueue(transfers.SEND_JOB, [payout.id])


def _failed_at_stripe(payout: Payout) -> bool:
    """A Stripe transfer that failed for good: the sweep no longer sends it, Stripe listed no transfer of it."""
    return payout.status == PayoutStatus.FAILED and payout.method == PayoutMethod.STRIPE_TRANSFER


def _refuse_if_stripe_paid_it(payout: Payout) -> None:
    """Asked with the payout's row locked (on SQLite, every writer waits up to one Stripe timeout): nothing can send
    or settle it between Stripe's answer and this request's end."""
    try:
        transfer = transfers.find_transfer(payout)
    except gateway.PaymentProviderUnavailable as error:
        raise ServiceUnavailable("Stripe is not answering, so whether it sent this payout is unknown; retry in a "
                                 "moment.") from error
    if transfer is None:
        return
    payout_id, transfer_id = payout.id, transfer.id
    # The refusal rolls this unit of work back; what Stripe says is then recorded in a unit of its own (a payout
    # found paid is never paid by bank either way: every later attempt asks Stripe again).
    uow.after_rollback(lambda: _record_found_transfer(payout_id, transfer_id))
    raise Conflict(f"Stripe did make transfer {transfer_id} for this payout: it is paid. Do not pay it by bank.")


def _record_found_transfer(payout_id: int, transfer_id: str) -> None:
    with uow.unit_of_work():
        lock_row(Payout, payout_id)
        payout = db.session.get(Payout, payout_id, populate_existing=True)
        if _failed_at_stripe(payout):
            payout.status, payout.stripe_transfer_id, payout.last_error = PayoutStatus.PAID, transfer_id, None
            payout.paid_at = utcnow()


def _refusal(payout: Payout, action: str) -> Conflict:
    """Why this payout cannot be action ("sent again", "paid by bank") in its state."""
    if payout.status == PayoutStatus.PAID and payout.stripe_transfer_id:
        return Conflict(f"This payout is already paid, by Stripe transfer {payout.stripe_transfer_id}.")
    if payout.status == PayoutStatus.PAID:
        return Conflict("This payout is already paid.")
    if payout.method == PayoutMethod.BANK_TRANSFER:
        return Conflict("This payout is paid by bank, not by Stripe: record the bank transfer that pays it.")
    return Conflict(f"This payout's Stripe transfer is still being sent (retried until Stripe confirms or refuses "
                    f"it): it can be {action} only once it has failed.")
