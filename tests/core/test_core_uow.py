"""One unit of work: after-commit work runs only once the transaction is saved, compensations only when it is
thrown away, and nothing but core.uow commits."""

import pathlib

import sqlalchemy as sa

from market_app.core import uow
from market_app.extensions import db
from market_app.markets.models import Market

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "market_app"


def _market_names() -> list[str]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Market.name).order_by(Market.id)).all()


def test_after_commit_hooks_run_after_the_commit_in_order_and_rollback_hooks_are_dropped(make):
    market, seen = make.market(), []
    market.name = "통인시장"
    uow.after_commit(lambda: seen.append(("first", _market_names())))
    uow.after_commit(lambda: seen.append(("second", None)))
    uow.after_rollback(lambda: seen.append(("compensation", None)))

    uow.commit()

    assert seen == [("first", ["통인시장"]), ("second", None)]


def test_a_rollback_runs_the_compensations_and_drops_after_commit_work(make):
    market, seen = make.market(name="남대문시장"), []
    market.name = "바뀐 이름"
    uow.after_commit(lambda: seen.append("sent"))
    uow.after_rollback(lambda: seen.append("compensated"))

    uow.end()  # a request that ended without committing
    uow.commit()  # a later commit neither saves the change nor runs the dropped hook

    assert seen == ["compensated"]
    assert _market_names() == ["남대문시장"]


def test_a_failing_hook_does_not_stop_the_next_one(make, caplog):
    seen = []
    uow.after_commit(lambda: 1 / 0)
    uow.after_commit(lambda: seen.append("still runs"))

    uow.commit()

    assert seen == ["still runs"]
    assert "after-commit hook" in caplog.text


def test_only_the_unit_of_work_commits():
    offenders = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                 if "session.commit()" in path.read_text() and path.parts[-2:] != ("core", "uow.py")
                 and "demo" not in path.parts]
    assert offenders == []
