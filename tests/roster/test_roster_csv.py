"""Class-list CSVs as LMS exports come: BOM or not, comma/semicolon/tab, UTF-16, odd headers,
and one-line errors for what cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.roster_csv import RosterCsvError, RosterRow, parse_roster, read_roster_file


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "r.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_separators_and_encodings(tmp_path: Path, encoding: str, sep: str) -> None:
    text = sep.join(["Name", "Student ID", "E-mail", "aliases"]) + "\r\n" + sep.join(
        ["Chloé Dubois", "20190777", "chloe@example.edu", '"Clo;C. Dubois"']) + "\r\n" + sep.join(
        ["김수영", "", "", ""]) + "\r\n\r\n"
    rows = read_roster_file(write(tmp_path, text, encoding))
    assert rows == [RosterRow("Chloé Dubois", "20190777", "chloe@example.edu", ("Clo", "C. Dubois")),
                    RosterRow("김수영")]


def test_only_a_name_column_and_first_last_columns() -> None:
    assert parse_roster("name\nAna Silva\n") == [RosterRow("Ana Silva")]
    rows = parse_roster("First name;Surname;Email address\nAna;Silva;a@x.org\n")
    assert rows == [RosterRow("Ana Silva", "", "a@x.org")]


@pytest.mark.parametrize(("text", "message"), [
    ("pupil,email\nAna,a@x\n", "no 'name' column"),
    ("", "the file is empty"),
    ("name,email\n", "no students below the header row"),
    ("name,email\n,a@x.org\n", "line 2: the name is empty"),
    ("name,student_id\nAna,1\nBen,1\n", "student_id '1' is listed twice"),
])
def test_bad_files_give_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(RosterCsvError, match=message) as info:
        parse_roster(text, "r.csv")
    assert "\n" not in str(info.value) and str(info.value).startswith("r.csv: ")


def test_missing_name_column_lists_the_columns_found() -> None:
    with pytest.raises(RosterCsvError, match=r"found: Vorname, Mail\)"):
        parse_roster("Vorname;Mail\nAna;a@x\n", "r.csv")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(RosterCsvError, match="no such file"):
        read_roster_file(tmp_path / "missing.csv")
    with pytest.raises(RosterCsvError, match="expected UTF-8"):
        read_roster_file(write(tmp_path, "name\nChloé\n", "latin-1"))
