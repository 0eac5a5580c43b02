"""Plain CSV files read without pandas, exactly as pandas reads them, or not at all.

The trace readers (:mod:`lambdasim.workload.formats`) try :func:`read_plain`
first. It accepts only a *plain* file: UTF-8 without a byte-order mark, no
quotes, ``\\n`` or ``\\r\\n`` line ends, a header of distinct names without
spaces, no blank lines, every line with the header's number of cells and at
least one data line. Numbers (:meth:`PlainTable.numbers`) must be plain
decimals (digits with at most one point, at most 15 digits: pandas' parser and
Python's ``float`` give both the correctly rounded float of these); text
(:meth:`PlainTable.text`) must be cells pandas keeps verbatim (no leading
space, not empty, not a number, a boolean or a missing-value marker).

Anything else gives ``None`` and the reader takes its pandas path, which reads
such a file and gives the one clear error of a bad one. So this module never
raises for a file and decides no error message: it only recognises the
common case (``tests/workload/test_plain_csv.py`` holds both paths equal).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["PlainTable", "read_plain"]

#: Cells pandas reads as missing (its default ``na_values``) or as booleans.
_NOT_TEXT = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                       "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
                       "True", "TRUE", "true", "False", "FALSE", "false"})
_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_DECIMAL = re.compile(r"\d+(?:\.\d*)?")
_MAYBE_NUMBER = re.compile(r"[0-9.+\-_eEinfatyINFATY]+")  # every string Python's float takes (inf, nan, 1_0.5e-3)
_DIGITS_AND_COMMAS = b"0123456789,"
MAX_DIGITS = 15


@dataclass
class PlainTable:
    """A plain CSV file: its header, the leading cells of every row and, when asked, a trailing block of counts."""

    path: str
    columns: list[str]
    rows: list[list[str]]               # per data line: its cells (before ``tail_from`` when a tail was read)
    tail: np.ndarray | None = None       # (lines, columns from ``tail_from``) counts, int64

    def text(self, column: str) -> list[str] | None:
        """The column's cells, if pandas would keep every one as the same string; else None."""
        k = self.columns.index(column)
        cells = [r[k] for r in self.rows]
        for c in cells:
            if c in _NOT_TEXT or c[0] in " \t" or (_MAYBE_NUMBER.fullmatch(c) and _is_number(c)):
                return None
        return cells

    def numbers(self, columns: list[str]) -> np.ndarray | None:
        """The columns as a (lines, columns) float array, if every cell is a plain decimal; else None."""
        out = np.empty((len(self.rows), len(columns)))
        for j, col in enumerate(columns):
            k = self.columns.index(col)
            cells = [r[k] for r in self.rows]
            if any(_DECIMAL.fullmatch(c) is None or len(c) - ("." in c) > MAX_DIGITS for c in cells):
                return None
            out[:, j] = list(map(float, cells))
        return out


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def read_plain(path: str, tail_from: int | None = None, tail_max: int = 10**9) -> PlainTable | None:
    """The plain CSV file at ``path``, or None when it is not plain (or cannot be read: the pandas path says why).

    With ``tail_from`` (a column number), the cells from that column to the end
    of every line must be whole numbers of at most ``tail_max``; they come back
    as :attr:`PlainTable.tail` and each row keeps only the cells before them.
    """
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if b'"' in data or data.startswith(b"\xef\xbb\xbf"):
        return None
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 2 or "" in lines:
        return None
    columns = lines[0].split(",")
    if len(set(columns)) != len(columns) or any(_NAME.fullmatch(c) is None for c in columns):
        return None
    n = len(columns)
    if tail_from is None:
        rows = [ln.split(",") for ln in lines[1:]]
        return PlainTable(path, columns, rows) if all(len(r) == n for r in rows) else None
    if not 0 <= tail_from < n:
        return None
    rows, tails, commas = [], [], n - tail_from - 1
    for ln in lines[1:]:
        cells = ln.split(",", tail_from)
        if len(cells) != tail_from + 1 or cells[-1].count(",") != commas:
            return None
        tails.append(cells.pop())
        rows.append(cells)
    block = ",".join(tails)
    # digits and commas only, no empty cell: each cell a whole number, parsed by strtoll (which saturates at
    # 2**63 - 1: a longer number comes out above tail_max, never wrapped round)
    if block.encode("ascii", "replace").translate(None, _DIGITS_AND_COMMAS) or ",," in block or \
            block.startswith(",") or block.endswith(","):
        return None
    values = np.fromstring(block, dtype=np.int64, sep=",")  # text mode (sep=","), which is not deprecated
    if values.size != len(rows) * (n - tail_from) or (values.size and values.max() > tail_max):
        return None
    return PlainTable(path, columns, rows, values.reshape(len(rows), n - tail_from))
