"""``classpulse roster ...`` and ``classpulse session attendance``: class lists and who came.

Why a module of its own: the roster commands only need storage (no capture, no inference), and
keeping them apart from cli.py/commands.py keeps those files small. Each command is a one-line
error and exit 2 on bad input (a CSV without a name column, an unknown course), never a
traceback. Storage is imported inside the commands, so ``classpulse --help`` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from classpulse.config import ConfigError, load_config, overrides, resolve_db_url

roster_app = typer.Typer(
    help="Course rosters (class lists) for attendance: import, list, show, delete, alias.",
    no_args_is_help=True,
)
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL or SQLite file path.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML config file.")]
CourseArg = Annotated[str, typer.Argument(help="Course name, as sessions carry it (--course).")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _setup(config: Path | None, db: str | None):  # noqa: ANN202
    """(config, engine migrated to head), or a one-line error."""
    try:
        cfg = load_config(config, overrides(storage__db_url=db))
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    from storage.engine import make_engine
    from storage.migrate import upgrade

    try:
        url = resolve_db_url(cfg)
        upgrade(url)
        return cfg, make_engine(url)
    except ValueError as exc:
        raise _fail(str(exc)) from None


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="CSV: name[,student_id,email,aliases]; , or ; separated.")],
    course: Annotated[str, typer.Option("--course", help="Course the roster belongs to.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Import (or re-import: replace/update) a course's class list from an LMS CSV export."""
    from storage.roster_csv import RosterCsvError, read_roster_file
    from storage.rosters import import_roster

    try:
        rows = read_roster_file(file)
    except RosterCsvError as exc:
        raise _fail(str(exc)) from None
    _, engine = _setup(config, db)
    try:
        s = import_roster(engine, course, rows)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"roster {s.course!r}: {len(rows)} students ({s.added} added, {s.updated} "
               f"updated, {s.removed} removed), {s.aliases} aliases")


@roster_app.command("list")
def roster_list(db: DbOpt = None, config: ConfigOpt = None) -> None:
    """List rosters: course, number of students, last change."""
    from storage.rosters import list_rosters

    rows = list_rosters(_setup(config, db)[1])
    if not rows:
        typer.echo("no rosters")
    for course, n, updated in rows:
        typer.echo(f"{course}\t{n} students\tupdated {updated:%Y-%m-%d %H:%M} UTC")


@roster_app.command("show")
def roster_show(course: CourseArg, db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Show a course's students with their ids, e-mails and aliases (tab separated)."""
    from storage.rosters import roster_students

    students = roster_students(_setup(config, db)[1], course)
    if students is None:
        raise _fail(f"course {course!r}: no roster", 1)
    typer.echo("name\tstudent_id\temail\taliases")
    for s in students:
        typer.echo(f"{s.name}\t{s.student_id}\t{s.email}\t{'; '.join(s.aliases)}")


@roster_app.command("delete")
def roster_delete(course: CourseArg, db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Delete a course's roster with every student and alias (sessions are kept)."""
    from storage.rosters import delete_roster

    n = delete_roster(_setup(config, db)[1], course)
    if n == 0:
        raise _fail(f"course {course!r}: no roster", 1)
    typer.echo(f"deleted roster {course!r} ({n} rows)")


@roster_app.command("alias")
def roster_alias(
    course: CourseArg,
    label: Annotated[str, typer.Argument(help="The name label as read on screen.")],
    student: Annotated[str, typer.Argument(help="The roster name (or student_id) it means.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Store once that a label means a roster student; used by every session of the course."""
    from storage.rosters import add_alias

    try:
        s = add_alias(_setup(config, db)[1], course, label, student)
    except KeyError as exc:
        raise _fail(str(exc.args[0]), 1) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"alias {label!r} -> {s.name!r} ({course})")


def session_attendance(
    session_id: Annotated[int, typer.Argument(help="Session id (see `session list`).")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the attendance to this CSV file.")] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Attendance and participation of a session: every roster student and every name not on it.

    CSV columns (stable): name, on_roster, status, first_seen, last_seen, seconds_present,
    seconds_camera_on, seconds_speaking."""
    from storage.attendance import (
        export_attendance_csv,
        participation,
        session_attendance,
    )

    cfg, engine = _setup(config, db)
    rules = cfg.attendance.rules()
    try:
        att = session_attendance(engine, session_id, rules)
    except KeyError as exc:
        raise _fail(str(exc.args[0]), 1) from None
    if csv is not None:
        n = export_attendance_csv(att, csv)
        typer.echo(f"wrote {n} rows to {csv}")
    else:
        for r in att.rows:
            typer.echo(f"{r.name}\t{'roster' if r.on_roster else 'not on roster'}\t{r.status}\t"
                       f"{r.seconds_present:g} s present\t{r.seconds_speaking:g} s speaking")
    p = participation(att)
    rate = f"{p.attendance_rate:.0%} of the roster, " if p.attendance_rate is not None else ""
    typer.echo(f"session {session_id}: {p.attendees} attended ({rate}course {att.course!r}"
               f"{'' if att.has_roster else ', no roster'}); {p.spoke} spoke", err=True)
