"""Every cross-domain event, declared in this one place. A lower layer sends; a higher layer connects its
handlers in its wiring.connect(app), called from create_app (never by import side effects).

Receivers run inside the sender's unit of work: they change rows in the same transaction, and whatever must
follow the commit (a Stripe call, a job, a notification) they register with core.uow.after_commit.
"""

from blinker import Namespace

_signals = Namespace()

# payments -- sender: the Payment
payment_succeeded = _signals.signal("payment-succeeded")
payment_failed = _signals.signal("payment-failed")
payment_flagged = _signals.signal("payment-flagged")  # Stripe reported another amount or currency: not paid
# payments -- sender: the Refund. Recorded: the refund row is written (it counts from now on, on this day, while
# Stripe is asked); failed: Stripe refused it for good, the money stays with the stall after all.
refund_recorded = _signals.signal("refund-recorded")
refund_failed = _signals.signal("refund-failed")

# orders -- sender: the Order
order_paid = _signals.signal("order-paid")  # the stalls may now prepare it
order_status_changed = _signals.signal("order-status-changed")  # kwargs: from_status, to_status
order_closed = _signals.signal("order-closed")  # cancelled or expired; kwargs: status, reason
# orders -- sender: the StallOrder; kwargs: from_status, to_status, actor_id, note
stall_order_moved = _signals.signal("stall-order-moved")

# delivery -- sender: the Delivery; kwargs: from_status, to_status, actor_id, note
delivery_moved = _signals.signal("delivery-moved")
delivery_ready = _signals.signal("delivery-ready")  # every remaining stall order is ready or at the desk
# delivery -- sender: the Pickup (a pickup order at the market's desk); kwargs: from_status, to_status, actor_id
pickup_moved = _signals.signal("pickup-moved")

# live -- sender: the LiveSession; kwargs: from_status (None when scheduled), to_status, actor_id (None: the clock)
live_session_moved = _signals.signal("live-session-moved")
