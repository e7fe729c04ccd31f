"""ClassPulse configuration: one pydantic model, loaded from TOML, overridden by CLI flags.

Why pydantic with ``extra="forbid"``: a typo in a config file (``fsp = 2``) must fail loudly at
start-up, naming the field, instead of silently running a two-hour class on defaults.
Precedence, lowest first: model defaults < TOML file < environment (dashboard password only)
< CLI flags.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models import shipped_model

PASSWORD_ENV = "CLASSPULSE_DASHBOARD_PASSWORD"
USERNAME_ENV = "CLASSPULSE_DASHBOARD_USERNAME"
DEFAULT_MODEL = shipped_model()  # inside the installed package: see models/__init__.py


class ConfigError(ValueError):
    """A config problem, already phrased as one line that names the field path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SessionConfig(_Strict):
    """Labels the dashboard and the admin view group sessions by."""

    course: str = "Untitled course"
    title: str = ""
    instructor: str = ""


class CaptureConfig(_Strict):
    """Where frames come from in ``classpulse run`` and how fast."""

    monitor: int = Field(1, ge=0, description="mss monitor index: 0 = all screens, 1 = first")
    region: tuple[int, int, int, int] | None = Field(
        None, description="x, y, width, height in screen pixels; None = the whole monitor"
    )
    fps: float = Field(2.0, gt=0, le=60)
    queue_size: int = Field(4, ge=1, le=256, description="frames buffered before dropping")
    ocr_languages: str = Field(
        "auto", pattern=r"^(auto|[A-Za-z][A-Za-z0-9_]*(\+[A-Za-z][A-Za-z0-9_]*)*)$",
        description="tesseract codes for name labels, e.g. kor+eng; auto = Latin (or eng)",
    )

    @field_validator("region")
    @classmethod
    def _positive_region(cls, v: tuple[int, int, int, int] | None) -> Any:
        if v is not None and (v[2] <= 0 or v[3] <= 0):
            raise ValueError(f"width and height must be > 0, got {v[2]}x{v[3]}")
        return v


class PipelineConfig(_Strict):
    """What the worker does with each frame."""

    every_s: float = Field(2.0, ge=0, description="seconds between observations per student; 0 = every frame")
    smoothing: bool = True
    smoothing_alpha: float = Field(0.4, gt=0, le=1, description="EMA weight of the newest frame")
    smoothing_reset_s: float = Field(10.0, gt=0, description="forget the EMA after this gap")
    presence_only: bool = False
    model_path: Path = DEFAULT_MODEL
    health_interval_s: float = Field(2.0, gt=0)
    analysis_fps: float = Field(
        2.0, ge=0, description="analyze: frames per second of video time to process; 0 = all"
    )
    max_consecutive_failures: int = Field(
        20, ge=1, le=1_000_000,
        description="frames failing in a row before health says degraded (the worker retries)",
    )


class StorageConfig(_Strict):
    db_url: str | None = Field(None, description="SQLAlchemy URL; None = the per-user SQLite file")


class DashboardConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(8050, ge=1, le=65535)
    username: str = "teacher"
    password: str = ""
    enabled: bool = True
    threads: int = Field(
        8, ge=1, le=64, description="waitress worker threads: concurrent dashboard requests"
    )


class AttendanceConfig(_Strict):
    """When a student counts as late, left early or absent (``session attendance``)."""

    late_after_s: float = Field(300.0, ge=0, description="first seen later than this after the start: late")
    left_early_before_end_s: float = Field(
        300.0, ge=0, description="last seen this long before the end: left early")
    min_present_s: float = Field(60.0, ge=0, description="seen for less than this in total: absent")

    def rules(self):
        """These thresholds as ``storage.attendance.AttendanceRules``, the one type the report,
        the CSV export and the dashboard take (imported here, not at the top, so that reading a
        config stays free of SQLAlchemy)."""
        from storage.attendance import AttendanceRules

        return AttendanceRules(**self.model_dump())


class Config(_Strict):
    session: SessionConfig = SessionConfig()
    capture: CaptureConfig = CaptureConfig()
    pipeline: PipelineConfig = PipelineConfig()
    storage: StorageConfig = StorageConfig()
    dashboard: DashboardConfig = DashboardConfig()
    attendance: AttendanceConfig = AttendanceConfig()


def format_validation_error(err: ValidationError, source: str = "config") -> str:
    """One line per the team rule: field path, what was expected, what was given."""
    first = err.errors()[0]
    path = ".".join(str(p) for p in first["loc"]) or "<root>"
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown field (not allowed)"
    given = first.get("input")
    extra = "" if isinstance(given, dict) else f" (got {given!r})"
    more = len(err.errors()) - 1
    tail = f"; and {more} more error(s)" if more else ""
    return f"{source}: {path}: {msg}{extra}{tail}"


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning every failure into a one-line ConfigError naming the file."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{p}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: not UTF-8 text ({exc.reason} at byte {exc.start})"
                          ) from None
    except OSError as exc:  # a folder, no permission...
        raise ConfigError(f"{p}: cannot read config file: {exc.strerror or exc}") from None


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, val in over.items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], val)
        else:
            out[key] = val
    return out


def overrides(**flat: Any) -> dict[str, Any]:
    """Turn CLI flags like ``capture__fps=3`` into a nested dict, dropping unset (None) flags.

    Why None-dropping: typer gives None for every flag the user did not type, and those must
    not overwrite what the TOML file says.
    """
    nested: dict[str, Any] = {}
    for key, val in flat.items():
        if val is None:
            continue
        section, _, field = key.partition("__")
        nested.setdefault(section, {})[field] = val
    return nested


def load_config(path: str | Path | None = None, cli: dict[str, Any] | None = None) -> Config:
    """Defaults < TOML < env < CLI. Raises ConfigError with a one-line message."""
    data: dict[str, Any] = read_toml(path) if path else {}
    env_pw = os.environ.get(PASSWORD_ENV)
    if env_pw:
        data = _deep_merge(data, {"dashboard": {"password": env_pw}})
    env_user = os.environ.get(USERNAME_ENV)
    if env_user:
        data = _deep_merge(data, {"dashboard": {"username": env_user}})
    data = _deep_merge(data, cli or {})
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path) if path else "config")) from None


def resolve_db_url(cfg: Config) -> str:
    """The configured URL, else storage's per-user default (imported lazily: config stays light)."""
    if cfg.storage.db_url:
        return cfg.storage.db_url
    from storage.engine import default_db_url

    return default_db_url()


def example_toml() -> str:
    """A commented example config, printed by ``classpulse config example``."""
    return """\
# ClassPulse config. Every key is optional; CLI flags override these.
[session]
course = "Physics 101"
title = "Week 3: forces"
instructor = "Dr. Rivera"

[capture]
monitor = 1              # mss monitor index (0 = all screens)
# region = [0, 0, 1920, 1080]   # x, y, width, height
fps = 2.0
queue_size = 4           # frames buffered before dropping (drops are counted)
ocr_languages = "auto"   # name labels: tesseract codes, e.g. "kor+eng", "jpn", "ara"; auto = Latin

[pipeline]
every_s = 2.0            # one observation per student every 2 s; 0 = every frame
smoothing = true
smoothing_alpha = 0.4
presence_only = false    # true: never run expression inference
analysis_fps = 2.0       # analyze: video frames processed per second of video (0 = all)
max_consecutive_failures = 20  # failed frames in a row before health says "degraded"
# model_path = "models/expression.tflite"

[storage]
# db_url = "postgresql+psycopg://user@localhost/classpulse"

[dashboard]
host = "127.0.0.1"
port = 8050
username = "teacher"
threads = 8              # requests served at once (waitress); each open browser polls every 2 s
# password: prefer the CLASSPULSE_DASHBOARD_PASSWORD environment variable

[attendance]
late_after_s = 300.0             # first seen more than 5 min after the start: late
left_early_before_end_s = 300.0  # last seen more than 5 min before the end: left early
min_present_s = 60.0             # seen for less than a minute in all: absent
"""
