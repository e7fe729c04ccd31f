"""Read a class list CSV as LMS exports come: UTF-8 with or without BOM (or UTF-16 with BOM, as
Excel's "Unicode text" writes), comma, semicolon or tab separated, header names in any case.

Why hand-picked delimiter detection instead of ``csv.Sniffer``: the sniffer guesses from
character frequencies and picks a space or a quote character on short files; a class list's
header line names its columns, so the separator that splits that line into the most fields is
the right one. Every problem is one line naming the file, the row and what was expected.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

# header (folded) -> our field; first/last name columns are joined when there is no name column
HEADERS = {
    "name": "name", "full name": "name", "student name": "name", "student": "name",
    "display name": "name",
    "student id": "student_id", "studentid": "student_id", "id": "student_id",
    "sis id": "student_id", "student number": "student_id", "id number": "student_id",
    "matriculation number": "student_id",
    "email": "email", "e mail": "email", "email address": "email", "e mail address": "email",
    "aliases": "aliases", "alias": "aliases", "nicknames": "aliases",
    "first name": "first", "given name": "first", "last name": "last", "surname": "last",
    "family name": "last",
}


class RosterCsvError(ValueError):
    """A class-list problem, phrased as one line."""


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One student from the file."""

    name: str
    student_id: str = ""
    email: str = ""
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError(f"RosterRow.name: expected a non-empty name, got {self.name!r}")


def decode(data: bytes, source: str) -> str:
    """Bytes -> text: UTF-16 by its BOM, else UTF-8 (a UTF-8 BOM is dropped)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterCsvError(
            f"{source}: expected UTF-8 text (save the CSV as 'CSV UTF-8'), got an invalid byte "
            f"at offset {exc.start}") from None


def _header_key(cell: str) -> str:
    return " ".join(cell.strip().lower().replace("_", " ").replace("-", " ").split())


def _delimiter(first_line: str) -> str:
    counts = {d: len(next(csv.reader([first_line], delimiter=d))) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def parse_roster(text: str, source: str = "CSV") -> list[RosterRow]:
    """Rows of a class list; raises RosterCsvError naming the problem."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise RosterCsvError(f"{source}: the file is empty; expected a header row with "
                             "name[,student_id,email,aliases]")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first))
    header = next(reader)
    while not any(c.strip() for c in header):
        header = next(reader)
    fields = {HEADERS[k]: i for i, k in reversed(list(enumerate(map(_header_key, header))))
              if k in HEADERS}
    if "name" not in fields and not {"first", "last"} <= fields.keys():
        found = ", ".join(c.strip() for c in header if c.strip()) or "nothing"
        raise RosterCsvError(f"{source}: no 'name' column (found: {found}); expected a header "
                             "row with name[,student_id,email,aliases]")
    rows: list[RosterRow] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        rows.append(_row(cells, fields, source, reader.line_num))
    if not rows:
        raise RosterCsvError(f"{source}: no students below the header row")
    _check_unique_ids(rows, source)
    return rows


def _row(cells: list[str], fields: dict[str, int], source: str, line: int) -> RosterRow:
    def get(field: str) -> str:
        i = fields.get(field)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    name = get("name") or " ".join(p for p in (get("first"), get("last")) if p)
    if not name:
        raise RosterCsvError(f"{source}: line {line}: the name is empty")
    aliases = tuple(a.strip() for a in get("aliases").split(";") if a.strip())
    return RosterRow(name, get("student_id"), get("email"), aliases)


def _check_unique_ids(rows: list[RosterRow], source: str) -> None:
    seen: dict[str, str] = {}
    for r in rows:
        if r.student_id and r.student_id in seen:
            raise RosterCsvError(f"{source}: student_id {r.student_id!r} is listed twice "
                                 f"({seen[r.student_id]!r} and {r.name!r})")
        seen[r.student_id] = r.name


def read_roster_file(path: str | Path) -> list[RosterRow]:
    """``parse_roster`` of a file, with a one-line error when it cannot be read."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise RosterCsvError(f"{p}: no such file") from None
    except OSError as exc:
        raise RosterCsvError(f"{p}: cannot read: {exc.strerror or exc}") from None
    return parse_roster(decode(data, str(p)), str(p))
