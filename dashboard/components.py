"""Small UI pieces shared by the pages: names, badges, cards and empty states.

Why one place: every participant or course name shown anywhere goes through ``name_text`` so
hostile names (formulas, markup, RTL overrides, huge or empty strings) are handled the same way:
Dash renders them as text (never HTML), ``unicode-bidi: isolate`` keeps an RTL override from
flipping the text around it, and very long names are cut for display.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine

from storage import queries as q
from storage.queries import SessionInfo

MAX_NAME_CHARS = 80
UNNAMED = "(no name)"


def clean_name(name: object, max_chars: int = MAX_NAME_CHARS) -> str:
    """A display string for a name: never empty, at most ``max_chars`` characters."""
    text = "" if name is None else str(name)
    text = text.replace("\n", " ").replace("\r", " ").strip()
    if not text:
        return UNNAMED
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def name_text(name: object, *, class_name: str = "", max_chars: int = MAX_NAME_CHARS) -> html.Bdi:
    """A name as an isolated, escaped text element with the (capped) full name on hover."""
    full = "" if name is None else str(name)
    return html.Bdi(
        clean_name(full, max_chars),
        title=full[:500],
        className=f"cp-name {class_name}".strip(),
    )


def presence_badge(info: SessionInfo | None) -> html.Span | dbc.Badge:
    if info is None or not info.presence_only:
        return html.Span()
    return dbc.Badge(
        "presence only", color="secondary", pill=True, className="ms-2 cp-badge",
        title="This session ran without expression inference: only presence is recorded.",
    )


def live_badge(info: SessionInfo | None) -> html.Span | dbc.Badge:
    if info is None or info.ended_at is not None:
        return html.Span()
    return dbc.Badge("live", color="success", pill=True, className="ms-2 cp-badge")


def card(title: str, body, *, extra=None, class_name: str = "") -> dbc.Card:  # noqa: ANN001
    """A titled card; ``extra`` sits on the right of the title (a hint or a control)."""
    header = html.Div(
        [html.H6(title, className="cp-card-title mb-0"), extra if extra is not None else html.Span()],
        className="d-flex justify-content-between align-items-center mb-2 gap-2",
    )
    return dbc.Card(dbc.CardBody([header, body]), className=f"cp-card h-100 {class_name}".strip())


def empty_state(title: str, message: str, *, hint: str = "") -> html.Div:
    children = [html.H5(title, className="mb-2"), html.P(message, className="text-muted mb-1")]
    if hint:
        children.append(html.Code(hint, className="cp-hint"))
    return html.Div(children, className="cp-empty text-center p-5")


def first_run() -> html.Div:
    """What an empty database shows instead of a page full of blank charts."""
    return html.Div(
        [
            html.H3("Welcome to ClassPulse", className="mb-3"),
            html.P(
                "There are no class sessions in this database yet. Once a session is recorded, "
                "this dashboard shows the class's expressions and presence live, a report for "
                "every past session, and sessions compared over time.",
                className="lead text-muted",
            ),
            html.P("To see it with simulated data, run:", className="mb-1"),
            html.Code("make demo", className="cp-hint d-block mb-2"),
            html.P("or record a real class (gallery view on screen):", className="mb-1"),
            html.Code("classpulse run --db <the same database URL>", className="cp-hint d-block"),
            html.P(
                "This page refreshes on its own when the first session appears.",
                className="text-muted small mt-3",
            ),
        ],
        id="first-run",
        className="cp-empty p-5 mx-auto",
    )


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h {m:02d}m" if h else (f"{m}m {s:02d}s" if m else f"{s}s")


def fmt_time(ts: datetime | None, with_date: bool = True) -> str:
    """UTC timestamps, labelled as such: the dashboard may run on another machine's clock."""
    if ts is None:
        return "–"
    ts = ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)
    return ts.strftime("%Y-%m-%d %H:%M UTC" if with_date else "%H:%M:%S")


def session_label(row: dict) -> str:
    """Picker label: date, course, title; course/title are user data, shown as plain text."""
    started = row.get("started_at")
    when = fmt_time(started) if isinstance(started, datetime) else str(started)
    live = " · live" if "ended_at" in row and _missing(row["ended_at"]) else ""
    po = " · presence only" if row.get("presence_only") else ""
    course = clean_name(row.get("course"), 40)
    title = clean_name(row.get("title"), 60)
    return f"{when} · {course} — {title}{live}{po}"


def _missing(value: object) -> bool:
    """None, NaN or NaT: pandas turns a NULL ended_at into NaT, which is not None."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def stat(label: str, value: str, *, id: str | None = None) -> html.Div:  # noqa: A002
    kwargs = {"id": id} if id else {}
    return html.Div(
        [html.Div(value, className="cp-stat-value", **kwargs),
         html.Div(label, className="cp-stat-label")],
        className="cp-stat",
    )


def picked_session(engine: Engine, session_id: int | str | None) -> SessionInfo:
    """The session the picker names, or PreventUpdate: a callback has nothing to draw for no
    session or one deleted since the picker was filled, and must leave the page as it is."""
    if session_id is None:
        raise PreventUpdate
    info = q.get_session(engine, int(session_id))
    if info is None:
        raise PreventUpdate
    return info
