"""Stored epoch seconds come back as the exact microsecond, with no stray nanoseconds (which made
pandas warn on every live-page refresh of a real class)."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import pandas as pd

from storage.sqlparts import epoch


def test_epoch_round_trips_microseconds_without_nanoseconds() -> None:
    when = datetime(2026, 11, 29, 11, 2, 42, 684424, tzinfo=UTC)
    out = epoch(pd.Series([when.timestamp(), 1795950160.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert out.max().to_pydatetime() == when
    assert out.iloc[0].nanosecond == 0
