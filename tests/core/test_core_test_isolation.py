"""The test database fixture itself (tests/database.py): a test's writes, committed or not, are gone after it;
the app's commit and rollback work inside it; a test that uses a second connection must say so (committing)."""

import threading

import pytest
import sqlalchemy as sa

from market_app.extensions import db
from market_app.markets.models import Market
from tests.database import SecondConnectionRefused


def _markets_seen_by_another_connection() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(Market))


def test_a_commit_is_kept_for_the_test_and_a_rollback_undoes_only_what_followed_it(make):
    make.market()  # commits
    db.session.add(Market(name="광장시장", slug="gwangjang", region="서울 종로구", address="서울 종로구 창경궁로 88",
                          lat=37.57, lng=126.99))
    db.session.flush()

    db.session.rollback()

    assert make.count(Market) == 1


def test_a_failed_statement_rolls_back_to_the_last_commit_and_the_test_goes_on(make):
    market = make.market()
    db.session.add(Market(name="중복", slug=market.slug, region="서울", address="서울", lat=37.5, lng=127.0))

    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()  # on PostgreSQL the transaction would be unusable without the savepoint

    assert make.count(Market) == 1


def test_every_test_starts_from_empty_tables(make):
    """Runs after the tests above, which left rows behind in their own (rolled back) transactions."""
    assert make.count(Market) == 0


def test_a_second_connection_is_refused_while_a_test_runs_in_its_transaction(app, database):
    with pytest.raises(SecondConnectionRefused):
        db.engine.connect()
    failures: list[BaseException] = []

    def read_from_a_thread() -> None:
        try:
            with app.app_context():  # a session of the thread's own, bound like every session to the test's connection
                db.session.scalar(sa.select(sa.func.count()).select_from(Market))
        except BaseException as error:  # noqa: BLE001 (collected, asserted below)
            failures.append(error)

    thread = threading.Thread(target=read_from_a_thread)
    thread.start()
    thread.join()
    database.forget_refusals()  # otherwise this test is failed at teardown, asked to be marked committing

    assert [type(error) for error in failures] == [SecondConnectionRefused]


@pytest.mark.committing
def test_a_committing_test_commits_for_every_connection_to_see(make):
    make.market()

    assert _markets_seen_by_another_connection() == 1


def test_after_a_committing_test_the_tables_are_empty_again(make):
    assert make.count(Market) == 0
