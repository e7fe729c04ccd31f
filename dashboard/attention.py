"""The "needs attention" rules, as pure functions over observation rows.

Why pure: the live page, the tests and the report all need the same verdicts, and a rule that
reads a DataFrame and a clock can be tested without a database or a browser. The rules look only
at each participant's own recent observations; they never rank participants against each other
(no leaderboards), and they describe expressions, not what anyone feels.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

import pandas as pd

NEGATIVE_EXPRESSIONS = frozenset({"Angry", "Disgust", "Fear", "Sad"})

REASON_NEGATIVE = "negative expressions"
REASON_CAMERA_OFF = "camera off"
REASON_FACE_ABSENT = "face absent"
REASON_SUDDEN = "sudden change"

LEFT_AFTER_S = 60.0  # not seen for this long = left the call; not listed
REQUIRED_COLUMNS = ("participant_id", "display_name", "ts", "camera_state", "top_expression")


@dataclass(frozen=True, slots=True)
class AttentionConfig:
    """Thresholds for the attention rules, in seconds and shares. Shown on the live page, so an
    instructor can see exactly why someone is listed."""

    negative_min_s: float = 180.0  # negative top expression continuously for 3+ min
    camera_off_min_s: float = 300.0  # camera off continuously for 5+ min
    face_absent_min_s: float = 120.0  # camera on but no face found for 2+ min
    sudden_window_s: float = 30.0  # the "now" window of the sudden-change rule
    sudden_baseline_s: float = 180.0  # the "before" window it is compared with
    sudden_delta: float = 0.6  # negative share must jump by at least this much (0..1)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"AttentionConfig.{f.name}: expected a positive number, got {value!r}")
        if self.sudden_delta > 1:
            raise ValueError(f"AttentionConfig.sudden_delta: expected 0..1, got {self.sudden_delta}")

    @property
    def window_s(self) -> float:
        """How much history the rules need: the longest threshold plus a margin, so a run that
        started just before the threshold is still seen from its start."""
        longest = max(
            self.negative_min_s,
            self.camera_off_min_s,
            self.face_absent_min_s,
            self.sudden_window_s + self.sudden_baseline_s,
        )
        return longest * 1.5

    def describe(self) -> list[str]:
        """Human-readable thresholds, one per rule, for the page."""
        return [
            f"{REASON_NEGATIVE}: Angry/Disgust/Fear/Sad as the top expression for "
            f"{_fmt_duration(self.negative_min_s)}+",
            f"{REASON_CAMERA_OFF}: camera off for {_fmt_duration(self.camera_off_min_s)}+",
            f"{REASON_FACE_ABSENT}: camera on but no face found for "
            f"{_fmt_duration(self.face_absent_min_s)}+",
            f"{REASON_SUDDEN}: negative share up by {self.sudden_delta:.0%}+ in the last "
            f"{_fmt_duration(self.sudden_window_s)} vs the "
            f"{_fmt_duration(self.sudden_baseline_s)} before",
        ]


@dataclass(frozen=True, slots=True)
class AttentionFlag:
    """One participant who may need a look: who, why, and since when."""

    participant_id: int
    display_name: str
    reason: str
    since: datetime
    detail: str = ""


def _fmt_duration(seconds: float) -> str:
    seconds = float(seconds)
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:g} s"


def _is_negative(row_state: str, top: object) -> bool:
    return row_state == "face" and isinstance(top, str) and top in NEGATIVE_EXPRESSIONS


def _trailing_run_start(mask: pd.Series, ts: pd.Series) -> datetime | None:
    """Timestamp where the trailing run of True values in ``mask`` starts, or None when the
    newest observation does not satisfy it. Why trailing: the flag is about *now*."""
    if mask.empty or not bool(mask.iloc[-1]):
        return None
    values = mask.to_numpy()
    i = len(values) - 1
    while i > 0 and values[i - 1]:
        i -= 1
    return ts.iloc[i].to_pydatetime()


def _participant_flags(
    rows: pd.DataFrame, now: datetime, cfg: AttentionConfig
) -> list[AttentionFlag]:
    pid = int(rows["participant_id"].iloc[-1])
    name = str(rows["display_name"].iloc[-1] or "")
    ts = rows["ts"]
    states = rows["camera_state"].astype(str)
    negative = pd.Series(
        [_is_negative(s, t) for s, t in zip(states, rows["top_expression"], strict=True)],
        index=rows.index,
    )
    flags: list[AttentionFlag] = []
    rules = (
        (negative, cfg.negative_min_s, REASON_NEGATIVE),
        (states == "camera_off", cfg.camera_off_min_s, REASON_CAMERA_OFF),
        (states == "no_face", cfg.face_absent_min_s, REASON_FACE_ABSENT),
    )
    for mask, threshold, reason in rules:
        start = _trailing_run_start(mask, ts)
        if start is not None and (now - start).total_seconds() >= threshold:
            minutes = (now - start).total_seconds() / 60
            flags.append(AttentionFlag(pid, name, reason, start, f"for {minutes:.1f} min"))
    sudden = _sudden_change(rows, negative, now, cfg)
    if sudden is not None and not any(f.reason == REASON_NEGATIVE for f in flags):
        flags.append(AttentionFlag(pid, name, REASON_SUDDEN, sudden[0], sudden[1]))
    return flags


def _sudden_change(
    rows: pd.DataFrame, negative: pd.Series, now: datetime, cfg: AttentionConfig
) -> tuple[datetime, str] | None:
    """Negative share among face observations: recent window vs the baseline before it."""
    recent_start = now - pd.Timedelta(seconds=cfg.sudden_window_s)
    base_start = recent_start - pd.Timedelta(seconds=cfg.sudden_baseline_s)
    face = rows["camera_state"].astype(str) == "face"
    recent = face & (rows["ts"] > recent_start)
    base = face & (rows["ts"] > base_start) & (rows["ts"] <= recent_start)
    if recent.sum() < 2 or base.sum() < 3:
        return None  # too little evidence either side to call it a change
    share_now = float(negative[recent].mean())
    share_before = float(negative[base].mean())
    if share_now - share_before < cfg.sudden_delta:
        return None
    first_negative = rows["ts"][recent & negative].iloc[0].to_pydatetime()
    return first_negative, f"negative share {share_before:.0%} → {share_now:.0%}"


def evaluate(
    rows: pd.DataFrame, cfg: AttentionConfig | None = None, now: datetime | None = None
) -> list[AttentionFlag]:
    """All attention flags for the observations in ``rows`` (the columns of
    storage.queries.attention_inputs). ``now`` defaults to the newest observation, so a finished
    session is judged at its end, not against the wall clock. Participants not seen in the last
LEFT_AFTER_S before ``now`` have left and are not listed. Ordered by ``since``, oldest first:
    the longest-standing case is the most useful to see first."""
    cfg = cfg or AttentionConfig()
    missing = [c for c in REQUIRED_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"attention.evaluate: missing columns {missing}; got {list(rows.columns)}")
    if rows.empty:
        return []
    df = rows.copy()
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    df = df.sort_values(["participant_id", "ts"], kind="stable")
    now_ts = pd.Timestamp(now) if now is not None else df["ts"].max()
    if now_ts.tzinfo is None:
        now_ts = now_ts.tz_localize("UTC")
    flags: list[AttentionFlag] = []
    for _, group in df.groupby("participant_id", sort=False):
        last = group["ts"].iloc[-1]
        if (now_ts - last).total_seconds() > LEFT_AFTER_S:
            continue  # no longer in the gallery: they left the call, nothing to act on
        # Runs are measured to the participant's own newest sample, not past it.
        flags.extend(_participant_flags(group, last.to_pydatetime(), cfg))
    flags.sort(key=lambda f: (f.since, f.participant_id, f.reason))
    return flags


def flags_frame(flags: list[AttentionFlag]) -> pd.DataFrame:
    """Flags as a table for display and export."""
    return pd.DataFrame(
        [
            {
                "participant_id": f.participant_id,
                "display_name": f.display_name,
                "reason": f.reason,
                "since": f.since,
                "detail": f.detail,
            }
            for f in flags
        ],
        columns=["participant_id", "display_name", "reason", "since", "detail"],
    )
