"""The ``classpulse`` command tree. Each command parses flags, builds a Config, and calls one
function in ``classpulse.commands`` (or another package's ``main``): parsing stays here, work
stays there, and heavy imports (LiteRT, Dash, tesseract) happen only inside the command that
needs them, so ``classpulse --help`` is instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from classpulse.config import ConfigError, load_config, overrides
from classpulse.roster_cmd import roster_app, session_attendance

app = typer.Typer(
    help="ClassPulse: class-level expression and presence analytics beside a video-call gallery.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance: migrations and retention.", no_args_is_help=True)
session_app = typer.Typer(help="List, delete and export recorded sessions.", no_args_is_help=True)
config_app = typer.Typer(help="Check or print a TOML config file.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(session_app, name="session")
app.add_typer(config_app, name="config")
app.add_typer(roster_app, name="roster")
session_app.command("attendance")(session_attendance)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="TOML config file.")]
DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL or SQLite file path.")]
EveryOpt = Annotated[
    float | None, typer.Option("--every", help="Seconds between observations per student; 0 = every frame.")
]
SmoothOpt = Annotated[
    Literal["on", "off"] | None, typer.Option("--smoothing", help="Per-student EMA smoothing.")
]
PresenceOpt = Annotated[
    bool | None,
    typer.Option("--presence-only/--expressions", help="Presence only: never run expression inference."),
]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="OCR languages of name labels, tesseract codes: kor+eng, jpn, Latin."),
]
ModelOpt = Annotated[Path | None, typer.Option("--model", help="Expression model (.tflite).")]
CourseOpt = Annotated[str | None, typer.Option("--course", help="Course name.")]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Session title.")]
InstructorOpt = Annotated[str | None, typer.Option("--instructor", help="Instructor name.")]
HostOpt = Annotated[str | None, typer.Option("--host", help="Dashboard bind address.")]
PortOpt = Annotated[int | None, typer.Option("--port", help="Dashboard port.")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _guard(fn, *args, **kwargs) -> int:
    """Run a command function; a missing/corrupt model file or a bad database URL (raised before
    any work starts as FileNotFoundError/ValueError) is a one-line error, not a traceback."""
    try:
        return fn(*args, **kwargs)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from None


def _config(path: Path | None, **flags):
    """Load the config or exit with the one-line error naming the field."""
    smoothing = flags.pop("pipeline__smoothing", None)
    if smoothing is not None:
        flags["pipeline__smoothing"] = smoothing == "on"
    try:
        return load_config(path, overrides(**flags))
    except ConfigError as exc:
        raise _fail(str(exc)) from None


def _parse_region(text: str | None) -> list[int] | None:
    if text is None:
        return None
    parts = text.replace("x", ",").split(",")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4:
        raise _fail(f"--region: expected X,Y,W,H in pixels (e.g. 0,0,1920,1080), got {text!r}")
    return values


@app.command()
def run(
    config: ConfigOpt = None,
    db: DbOpt = None,
    monitor: Annotated[int | None, typer.Option(help="Screen to capture (mss index, 1 = first).")] = None,
    region: Annotated[str | None, typer.Option(help="X,Y,W,H screen region to capture.")] = None,
    fps: Annotated[float | None, typer.Option(help="Capture frames per second.")] = None,
    lang: LangOpt = None,
    course: CourseOpt = None,
    title: TitleOpt = None,
    instructor: InstructorOpt = None,
    every: EveryOpt = None,
    smoothing: SmoothOpt = None,
    presence_only: PresenceOpt = None,
    model: ModelOpt = None,
    host: HostOpt = None,
    port: PortOpt = None,
    dashboard: Annotated[bool, typer.Option("--dashboard/--no-dashboard", help="Serve the dashboard too.")] = True,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
) -> None:
    """Capture the call window live and serve the dashboard, until Ctrl-C."""
    cfg = _config(
        config, storage__db_url=db, capture__monitor=monitor, capture__region=_parse_region(region),
        capture__fps=fps, capture__ocr_languages=lang, session__course=course, session__title=title,
        session__instructor=instructor, pipeline__every_s=every, pipeline__smoothing=smoothing,
        pipeline__presence_only=presence_only, pipeline__model_path=model,
        dashboard__host=host, dashboard__port=port, dashboard__enabled=dashboard,
    )
    from classpulse.commands import run_live

    raise typer.Exit(_guard(run_live, cfg, duration=duration))


@app.command()
def analyze(
    path: Annotated[Path, typer.Argument(help="A recorded gallery-view video, or a folder of frames.")],
    db: DbOpt = None,
    fps: Annotated[float | None, typer.Option(help="Frame rate of a folder of frames (default 1).")] = None,
    every: EveryOpt = None,
    smoothing: SmoothOpt = None,
    presence_only: PresenceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary as the last line.")] = False,
    lang: LangOpt = None,
    config: ConfigOpt = None,
    model: ModelOpt = None,
    course: CourseOpt = None,
    title: TitleOpt = None,
    instructor: InstructorOpt = None,
    started_at: Annotated[
        str | None, typer.Option(help="Session start, ISO 8601 (default: now minus the video's length).")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")] = True,
    analysis_fps: Annotated[
        float | None, typer.Option(help="Video frames processed per second of video (0 = all).")
    ] = None,
) -> None:
    """Turn a recorded gallery-view video (or a folder of frames) into a session."""
    cfg = _config(
        config, storage__db_url=db, pipeline__every_s=every, pipeline__smoothing=smoothing,
        pipeline__presence_only=presence_only, pipeline__model_path=model,
        session__course=course, session__title=title, session__instructor=instructor,
        pipeline__analysis_fps=analysis_fps, capture__ocr_languages=lang,
    )
    from classpulse.commands import analyze_path

    try:
        code = analyze_path(cfg, path, fps=fps, as_json=as_json, started_at=started_at,
                            progress=progress)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from None
    raise typer.Exit(code)


@app.command()
def check(
    images: Annotated[list[Path] | None, typer.Argument(help="Screenshots (PNG/JPEG).")] = None,
    screen: Annotated[bool, typer.Option("--screen", help="Check the screen now instead.")] = False,
    monitor: Annotated[int | None, typer.Option(help="Screen for --screen (mss index, 1 = first).")] = None,
    region: Annotated[str | None, typer.Option(help="X,Y,W,H screen region for --screen.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Tesseract languages, e.g. kor+eng.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per image.")] = False,
    presence_only: PresenceOpt = None,
    model: ModelOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Show what ClassPulse sees in a screenshot or on the screen: tiles, names, faces, expressions."""
    cfg = _config(config, capture__monitor=monitor, capture__region=_parse_region(region),
                  pipeline__presence_only=presence_only, pipeline__model_path=model)
    from classpulse.check import run_check

    raise typer.Exit(_guard(run_check, cfg, list(images or []), screen=screen, lang=lang,
                            as_json=as_json))


@app.command()
def demo(
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds (default: until Ctrl-C).")] = None,
    dashboard: Annotated[bool, typer.Option("--dashboard/--no-dashboard", help="Serve the dashboard.")] = True,
    db: DbOpt = None,
    participants: Annotated[int, typer.Option(min=1, max=49, help="Simulated class size.")] = 25,
    fps: Annotated[float, typer.Option(help="Simulated frames per second.")] = 2.0,
    every: EveryOpt = None,
    port: PortOpt = None,
    seed: Annotated[int, typer.Option(help="Random seed of the simulated class.")] = 7,
    config: ConfigOpt = None,
) -> None:
    """Run a simulated 25-student class through the real pipeline and show it live."""
    cfg = _config(config, storage__db_url=db, pipeline__every_s=every, dashboard__port=port,
                  dashboard__enabled=dashboard, session__course="ClassPulse demo",
                  session__title="Simulated class")
    from classpulse.demo import run_demo

    raise typer.Exit(_guard(run_demo, cfg, duration=duration, participants=participants, fps=fps,
                            seed=seed))


@app.command("dashboard")
def dashboard_cmd(
    db: DbOpt = None,
    host: HostOpt = None,
    port: PortOpt = None,
    username: Annotated[str | None, typer.Option(help="Dashboard login name.")] = None,
    threads: Annotated[int | None, typer.Option(help="Requests served at once.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Serve the dashboard (password from CLASSPULSE_DASHBOARD_PASSWORD or the config)."""
    cfg = _config(config, storage__db_url=db, dashboard__host=host, dashboard__port=port,
                  dashboard__username=username, dashboard__threads=threads)
    from classpulse.commands import serve_dashboard

    raise typer.Exit(serve_dashboard(cfg))


_PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


@app.command(context_settings=_PASSTHROUGH, add_help_option=False)
def train(ctx: typer.Context) -> None:
    """Train the shipped expression model on FER2013: every stage, then export (`--help`)."""
    from inference.recipe import main as recipe_main

    raise typer.Exit(recipe_main(list(ctx.args)) or 0)


@app.command(context_settings=_PASSTHROUGH, add_help_option=False)
def calibrate(ctx: typer.Context) -> None:
    """ECE of the expression model on PublicTest; fit a temperature on held-out Training (`--help`)."""
    from inference.calibrate import main as calibrate_main

    raise typer.Exit(calibrate_main(list(ctx.args)) or 0)


@app.command("eval-model", context_settings=_PASSTHROUGH, add_help_option=False)
def eval_model(ctx: typer.Context) -> None:
    """Evaluate an expression model on a FER2013-layout npz or a folder of labelled photos (`--help`)."""
    from inference.evaluate import main as eval_main

    raise typer.Exit(eval_main(list(ctx.args)) or 0)


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None, config: ConfigOpt = None) -> None:
    """Create or migrate the database schema to the newest version."""
    from classpulse.admin_cmd import db_upgrade as _up

    raise typer.Exit(_guard(_up, _config(config, storage__db_url=db)))


@db_app.command("prune")
def db_prune(
    older_than: Annotated[str, typer.Option(help="Delete sessions older than this, e.g. 90d, 12h.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Delete sessions (names, observations, health) older than a retention period, and rosters
    neither changed nor used by a session within it."""
    from classpulse.admin_cmd import db_prune as _prune

    raise typer.Exit(_guard(_prune, _config(config, storage__db_url=db), older_than))


@session_app.command("list")
def session_list(
    db: DbOpt = None,
    course: CourseOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    config: ConfigOpt = None,
) -> None:
    """List sessions, newest first."""
    from classpulse.admin_cmd import session_list as _list

    raise typer.Exit(_guard(_list, _config(config, storage__db_url=db), course, as_json))


@session_app.command("delete")
def session_delete(
    session_id: Annotated[int, typer.Argument(help="Session id (see `session list`).")],
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Delete one session with all its participants and observations."""
    from classpulse.admin_cmd import session_delete as _delete

    raise typer.Exit(_guard(_delete, _config(config, storage__db_url=db), session_id))


@session_app.command("export")
def session_export(
    session_id: Annotated[int, typer.Argument(help="Session id (see `session list`).")],
    csv: Annotated[Path, typer.Option("--csv", help="Write the observations to this CSV file.")],
    db: DbOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Export a session's observations as CSV (t, frame, participant, camera_on, expression...)."""
    from classpulse.admin_cmd import session_export as _export

    raise typer.Exit(_guard(_export, _config(config, storage__db_url=db), session_id, csv))


@config_app.command("check")
def config_check(file: Annotated[Path, typer.Argument(help="TOML config file to validate.")]) -> None:
    """Validate a config file: prints 'ok' or one line naming the bad field, exit 2."""
    try:
        load_config(file)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{file}: ok")


@config_app.command("example")
def config_example() -> None:
    """Print a commented example config."""
    from classpulse.config import example_toml

    typer.echo(example_toml(), nl=False)


def main() -> None:
    """Console-script entry point (``classpulse``)."""
    app()


if __name__ == "__main__":
    sys.exit(main())
