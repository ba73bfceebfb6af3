"""Benchmark baseline: a bare Flask app whose one route returns a fixed JSON body.

bench/run.sh gives it the stall-list response it just fetched (BARE_BODY_FILE), so both carry the
same bytes and the gap between them is what the real app spends on routing, the database and schemas.
"""

import json
import os

from flask import Flask, Response


def _body() -> bytes:
    path = os.environ.get("BARE_BODY_FILE")
    if path:
        with open(path, "rb") as handle:
            return handle.read()
    stall = {"id": 1, "market_id": 1, "owner_id": 1, "name": "망원청과", "category": "fruit",
             "description": "매일 새벽 가락시장에서 들여온 제철 과일.", "phone": "02-3380-2712", "aisle": "C-07"}
    return json.dumps([stall] * 20, ensure_ascii=False).encode()


BODY = _body()
app = Flask(__name__)


@app.get("/bare")
def bare():
    """The same bytes every time: no database, no schema."""
    return Response(BODY, mimetype="application/json")
