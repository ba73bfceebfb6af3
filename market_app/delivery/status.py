"""The delivery's and the desk pickup's state machines (core.statemachine: a 409 for any move the state does not
allow, one timeline row per move)."""

import enum

from market_app.core.statemachine import StateMachine
from market_app.delivery.models import DeliveryStatus, PickupStatus

D = DeliveryStatus
P = PickupStatus


class DeliveryAction(enum.StrEnum):
    CLAIM = "claim"  # a courier of the market takes it
    ASSIGN = "assign"  # a market admin gives it to a courier (or another one)
    PICK_UP = "pick_up"
    DELIVER = "deliver"
    FAIL = "fail"
    RESLOT = "reslot"  # a market admin moves it to another slot (a failed one goes out again)
    CANCEL = "cancel"  # a market admin gives up on it (the shopper is refunded), or its order closed


DELIVERY_MACHINE: StateMachine[DeliveryStatus, DeliveryAction] = StateMachine("delivery", {
    DeliveryAction.CLAIM: ((D.REQUESTED,), D.ASSIGNED),
    DeliveryAction.ASSIGN: ((D.REQUESTED, D.ASSIGNED), D.ASSIGNED),
    DeliveryAction.PICK_UP: ((D.ASSIGNED,), D.PICKED_UP),
    DeliveryAction.DELIVER: ((D.PICKED_UP,), D.DELIVERED),
    DeliveryAction.FAIL: ((D.PICKED_UP,), D.FAILED),
    DeliveryAction.RESLOT: ((D.REQUESTED, D.ASSIGNED, D.FAILED), D.REQUESTED),
    DeliveryAction.CANCEL: ((D.REQUESTED, D.ASSIGNED, D.FAILED), D.CANCELLED),
})


class PickupAction(enum.StrEnum):
    READY = "ready"  # the system: every remaining part is at the desk
    COLLECT = "collect"  # the desk hands the bag to the shopper
    CANCEL = "cancel"  # the order closed


PICKUP_MACHINE: StateMachine[PickupStatus, PickupAction] = StateMachine("pickup", {
    PickupAction.READY: ((P.WAITING,), P.READY),
    PickupAction.COLLECT: ((P.READY,), P.COLLECTED),
    PickupAction.CANCEL: ((P.WAITING, P.READY), P.CANCELLED),
})
