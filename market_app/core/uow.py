"""One unit of work per request or job: commit once, then run what must follow the commit.

Side effects that must not happen unless the work is saved (a Stripe refund, a job, a notification) are
registered with after_commit(); compensations for effects that already happened outside the database (a
PaymentIntent opened for an order that is then not written), and facts learned from outside that must be kept
although the request is refused (a transfer Stripe made), with after_rollback(). Views and jobs call commit()
once; nothing else commits.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from market_app.core.db import db

log = logging.getLogger(__name__)

Hook = Callable[[], None]
_AFTER_COMMIT = "uow.after_commit"
_AFTER_ROLLBACK = "uow.after_rollback"


def after_commit(hook: Hook) -> None:
    """Run hook once the current unit of work has committed; dropped if it is rolled back."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(hook)


def after_rollback(hook: Hook) -> None:
    """Run hook if the current unit of work is rolled back (or never committed); dropped once it commits."""
    db.session.info.setdefault(_AFTER_ROLLBACK, []).append(hook)


def commit() -> None:
    """Commit the unit of work, then run its after-commit hooks in the order they were registered.

    A hook runs outside the committed transaction and may open a unit of work of its own (it calls commit()).
    A failing hook is logged and does not stop the others: what it failed to do is retried by its own job.
    """
    session = db.session
    try:
        session.commit()
    except Exception:
        rollback()
        raise
    hooks = session.info.pop(_AFTER_COMMIT, [])
    session.info.pop(_AFTER_ROLLBACK, None)
    _run(hooks, "after-commit")


def rollback() -> None:
    """Throw the unit of work away and run its compensations."""
    session = db.session
    session.rollback()
    session.info.pop(_AFTER_COMMIT, None)
    _run(session.info.pop(_AFTER_ROLLBACK, []), "after-rollback")


def end() -> None:
    """End of a request or job: whatever was not committed is rolled back, with its compensations (a view that
    raised after opening a PaymentIntent). Nothing half-done can ride along with a later commit."""
    if db.session.registry.has():  # a request that never used the database (a cached read) has nothing to end
        rollback()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """For jobs and commands: commit at the end of the block, roll back (with compensations) on error."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()


def _run(hooks: list[Hook], kind: str) -> None:
    for hook in hooks:
        try:
            hook()
        except Exception:
            log.exception("%s hook %r failed", kind, hook)
            db.session.rollback()  # whatever the hook left half-done is not saved by the next commit
