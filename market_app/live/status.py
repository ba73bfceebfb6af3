"""The live session's state machine: scheduled -> live -> ended, or scheduled -> cancelled."""

import enum

from market_app.core.statemachine import StateMachine
from market_app.live.models import LiveStatus

S = LiveStatus


class LiveAction(enum.StrEnum):
    START = "start"
    END = "end"
    CANCEL = "cancel"


LIVE_MACHINE: StateMachine[LiveStatus, LiveAction] = StateMachine("live session", {
    LiveAction.START: ((S.SCHEDULED,), S.LIVE),
    LiveAction.END: ((S.LIVE,), S.ENDED),
    LiveAction.CANCEL: ((S.SCHEDULED,), S.CANCELLED),
})
