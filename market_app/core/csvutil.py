"""CSV for people who open it in Excel: UTF-8 with a BOM (so Korean shows), and no formula injection."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> object:
    # Numbers stay numbers; text that a spreadsheet would run as a formula is quoted with a leading apostrophe.
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(value) for value in row])
    return out.getvalue()


def iter_csv(header: Sequence[str], rows: Iterable[Sequence[object]], rows_per_chunk: int = 500) -> Iterator[str]:
    """The same CSV as to_csv, streamed: the BOM and header first, then chunks of rows, never the whole file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(header)
    pending = 0
    for row in rows:
        writer.writerow([_safe(value) for value in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            pending = 0
    yield out.getvalue()
