"""Downloads from the report page: observations CSV, per-student CSV, offline HTML report.

The observations CSV is storage/export.py's streaming exporter; the per-student CSV is built here
from participant_summary. Either way a cell that a spreadsheet would run as a formula (a name like
``=HYPERLINK(...)``) is neutralised with a leading apostrophe. The HTML report is one file with
plotly.js (basic bundle) inlined and a Content-Security-Policy that forbids any network fetch, so it opens
offline and a hostile name cannot load or run anything: every name is HTML-escaped.
"""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import plotly.io as pio
from sqlalchemy import Engine

from dashboard import attendance_view
from dashboard import components as ui
from dashboard import figures as fg
from storage import queries as q
from storage.attendance import AttendanceRules, session_attendance

# The same partial plotly.js bundle the dashboard serves (scatter, bar, pie: all these figures
# need), inlined once: 1.2 MB instead of the full 4.6 MB bundle.
PLOTLY_JS = Path(__file__).parent / "assets" / "plotly-basic.min.js"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "|", "%")
PARTICIPANT_COLUMNS = [
    "display_name", "n_obs", "presence_rate", "camera_off_rate", *fg.EXPRESSION_NAMES,
    "negative_share", "dominant_expression", "mean_confidence", "first_seen", "last_seen",
]


def csv_safe(value: object) -> object:
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _to_csv(df: pd.DataFrame) -> str:
    safe = df.astype(object).map(csv_safe)  # every cell: pandas may type text as "str"
    buf = io.StringIO()
    safe.to_csv(buf, index=False)
    return buf.getvalue()


def observations_csv(engine: Engine, session_id: int) -> str:
    """Every observation of the session, one row per participant per sample: storage's own
    streaming exporter (storage/export.py), which also neutralises formula-like names."""
    from storage.export import export_observations_csv

    buf = io.StringIO()
    export_observations_csv(engine, session_id, buf)
    return buf.getvalue()


def participants_csv(engine: Engine, session_id: int) -> str:
    """One row per participant: presence and expression shares over the session (richer than
    storage's participant list, which has names and times only)."""
    summary = q.participant_summary(engine, session_id)
    cols = ["participant_id", *[c for c in PARTICIPANT_COLUMNS if c in summary.columns]]
    return _to_csv(summary[cols])


def report_bucket_s(info: q.SessionInfo, end: datetime | None) -> float:
    """About 120 buckets over the session, never finer than the sampling interval."""
    span = ((end or datetime.now(UTC)) - info.started_at).total_seconds()
    return max(float(info.sample_interval_s), round(max(span, 60.0) / 120.0))


def _table_html(summary: pd.DataFrame, presence_only: bool) -> str:
    head = ["Name", "Presence", "Camera off"]
    if not presence_only:
        head += ["Dominant expression", "Negative share"]
    rows = []
    for r in summary.itertuples(index=False):
        cells = [f"<bdi>{html.escape(ui.clean_name(r.display_name, 120))}</bdi>",
                 f"{float(r.presence_rate or 0):.0%}", f"{float(r.camera_off_rate or 0):.0%}"]
        if not presence_only:
            cells += [html.escape(str(r.dominant_expression or "–")),
                      f"{float(r.negative_share or 0):.0%}"]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    thead = "".join(f"<th>{h}</th>" for h in head)
    return f"<table><thead><tr>{thead}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


CSS = """body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#2f3437;
max-width:1100px;margin:2rem auto;padding:0 1rem;background:#fff}h1{font-size:1.6rem;margin:0}
h2{font-size:1rem;text-transform:uppercase;letter-spacing:.06em;color:#6c757d;margin-top:2rem}
.meta{color:#6c757d}.badge{background:#6c757d;color:#fff;border-radius:1rem;padding:.1rem .6rem;
font-size:.8rem}table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;
padding:.35rem .5rem;border-bottom:1px solid #e3e6ea}bdi{unicode-bidi:isolate}
td:first-child{max-width:22rem;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.note{font-size:.8rem;color:#6c757d}"""
CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:")


def html_report(engine: Engine, session_id: int, rules: AttendanceRules | None = None) -> str:
    """A self-contained HTML report of one session: figures with plotly.js inlined; the
    attendance table uses ``rules`` (the config's [attendance], None: the defaults)."""
    info = q.get_session(engine, session_id)
    if info is None:
        raise KeyError(f"html_report: no session with id {session_id}")
    state = q.current_state(engine, session_id)
    end = info.ended_at or (pd.to_datetime(state["ts"], utc=True).max().to_pydatetime()
                            if not state.empty else None)
    timeline = q.mood_timeline(engine, session_id, report_bucket_s(info, end))
    moments = fg.notable_moments(timeline, presence_only=info.presence_only)
    summary = q.participant_summary(engine, session_id)
    figs = [
        ("Class mood timeline", fg.mood_timeline_figure(
            timeline, presence_only=info.presence_only, moments=moments)),
        ("Engagement index", fg.engagement_figure(timeline, presence_only=info.presence_only)),
    ]
    parts = [f"<script>{PLOTLY_JS.read_text(encoding='utf-8')}</script>"]
    for title, fig in figs:
        div = pio.to_html(fig, include_plotlyjs=False, full_html=False,
                          config={"displaylogo": False, "responsive": True})
        parts.append(f"<h2>{html.escape(title)}</h2>{div}")
    moment_items = "".join(
        f"<li>{html.escape(ui.fmt_time(pd.Timestamp(m.bucket).to_pydatetime()))}: "
        f"{html.escape(m.kind)}: {html.escape(m.label)}</li>" for m in moments.itertuples(index=False)
    ) or "<li>None found.</li>"
    esc = html.escape
    badge = ' <span class="badge">presence only</span>' if info.presence_only else ""
    duration = ui.fmt_duration((end - info.started_at).total_seconds()) if end else "–"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ClassPulse report: {esc(ui.clean_name(info.course, 60))} — {esc(ui.clean_name(info.title, 80))}</title>
<style>{CSS}</style></head><body>
<h1><bdi>{esc(ui.clean_name(info.course, 120))}</bdi> — <bdi>{esc(ui.clean_name(info.title, 200))}</bdi>{badge}</h1>
<p class="meta">Instructor: <bdi>{esc(ui.clean_name(info.instructor, 120))}</bdi> ·
{esc(ui.fmt_time(info.started_at))} · {esc(duration)} · {len(summary)} participants</p>
{''.join(parts)}
<p class="note">{esc(fg.ENGAGEMENT_FORMULA)}</p>
<h2>Notable moments</h2><ul>{moment_items}</ul>
<h2>Participants</h2>{_table_html(summary, info.presence_only)}
<h2>Attendance and participation</h2>{attendance_view.html_table(session_attendance(engine, session_id, rules))}
<p class="note">Generated by ClassPulse on {esc(ui.fmt_time(datetime.now(UTC)))}. Expressions are
what a model read from faces on screen, not what anyone felt.</p>
</body></html>
"""
