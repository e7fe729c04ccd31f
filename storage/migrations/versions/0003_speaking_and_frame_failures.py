"""observation.speaking and speaking_s; health_sample.frames_failed, frames_skipped and degraded.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Why: the active-speaker ring read from each tile is what participation ("seconds speaking") is
built on, so it is stored per observation. Health gains the fault-isolation counters: frames a
stage failed on and frames a source could not read, and whether the worker is degraded (many
failures in a row). Existing rows get False / 0 through server defaults.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.add_column(sa.Column("speaking", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("speaking_s", sa.Float(), nullable=True))
    with op.batch_alter_table("health_sample") as batch:
        batch.add_column(sa.Column("frames_failed", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("frames_skipped", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("degraded", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("health_sample") as batch:
        batch.drop_column("degraded")
        batch.drop_column("frames_skipped")
        batch.drop_column("frames_failed")
    with op.batch_alter_table("observation") as batch:
        batch.drop_column("speaking_s")
        batch.drop_column("speaking")
