"""Python cost of the order's stock UPDATE: the same six-product conditional UPDATE ... RETURNING sent through the
ORM's bulk UPDATE path (sa.update(Model)) and on the table (sa.update(Model.__table__)), on PostgreSQL.

Usage: .venv/bin/python bench/stock_update.py [--dsn postgresql+psycopg://postgres@127.0.0.1:5432] [--runs 2000]
Creates a scratch database, prints CPU and wall time per statement for each way, twice, then drops it."""

import argparse
import time
import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so


class Base(so.DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stock: so.Mapped[int | None]
    available: so.Mapped[bool] = so.mapped_column(default=True)


def statements(count: int) -> tuple[sa.Update, sa.Update]:
    ids = [sa.bindparam(f"id_{n}") for n in range(count)]
    table = Item.__table__
    by_orm = sa.case(*[(Item.id == ids[n], sa.bindparam(f"q_{n}")) for n in range(count)])
    by_table = sa.case(*[(table.c.id == ids[n], sa.bindparam(f"q_{n}")) for n in range(count)])
    orm = (sa.update(Item).where(Item.id.in_(ids), Item.available.is_(True),
                                 sa.or_(Item.stock.is_(None), Item.stock >= by_orm))
           .values(stock=Item.stock - by_orm).returning(Item.id, Item.stock)
           .execution_options(synchronize_session=False))
    core = (sa.update(table).where(table.c.id.in_(ids), table.c.available.is_(True),
                                   sa.or_(table.c.stock.is_(None), table.c.stock >= by_table))
            .values(stock=table.c.stock - by_table).returning(table.c.id, table.c.stock))
    return orm, core


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    name = f"bench_stock_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{args.dsn}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    engine = sa.create_engine(f"{args.dsn}/{name}")
    try:
        Base.metadata.create_all(engine)
        with so.Session(engine) as session:
            session.add_all([Item(id=n, stock=10**9) for n in range(1, 7)])
            session.commit()
        orm, core = statements(6)
        params = {f"id_{n}": n + 1 for n in range(6)} | {f"q_{n}": 1 for n in range(6)}
        ways = {"ORM bulk UPDATE (session.execute)": lambda s: s.execute(orm, params).all(),
                "table UPDATE (session.execute)": lambda s: s.execute(core, params).all()}
        for _round in range(2):
            for label, run in ways.items():
                with so.Session(engine) as session:
                    for _ in range(200):
                        run(session)
                    cpu, wall = time.process_time(), time.perf_counter()
                    for _ in range(args.runs):
                        run(session)
                    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                    session.rollback()
                print(f"{label:36} CPU {1e6 * cpu / args.runs:5.0f} µs   wall {1e6 * wall / args.runs:5.0f} µs")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


if __name__ == "__main__":
    main()
