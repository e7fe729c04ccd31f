"""Initial schema: sessions, participants, observations, capture health.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Frozen copy of storage/models.py at this revision (plain SQLAlchemy types, so later model edits
cannot silently change what this migration creates).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)
PROB_COLUMNS = ("p_angry", "p_disgust", "p_fear", "p_happy", "p_sad", "p_surprise", "p_neutral")


def _session_fk() -> sa.ForeignKey:
    return sa.ForeignKey("class_session.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "class_session",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("course", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("instructor", sa.String(200), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
        sa.Column("presence_only", sa.Boolean(), nullable=False),
        sa.Column("sample_interval_s", sa.Float(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
    )
    op.create_index("ix_session_started", "class_session", ["started_at"])
    op.create_index("ix_session_course", "class_session", ["course", "started_at"])
    op.create_index("ix_session_instructor", "class_session", ["instructor", "started_at"])

    op.create_table(
        "participant",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("session_id", BigId, _session_fk(), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("display_name", sa.String(300), nullable=False),
        sa.Column("tile_order", sa.Integer(), nullable=True),
        sa.Column("first_seen", TZ, nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
        sa.UniqueConstraint("session_id", "key", name="uq_participant_session_key"),
    )

    op.create_table(
        "observation",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("session_id", BigId, _session_fk(), nullable=False),
        sa.Column(
            "participant_id",
            BigId,
            sa.ForeignKey("participant.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("t", sa.Float(precision=53), nullable=False),
        sa.Column("frame_index", sa.BigInteger(), nullable=False),
        sa.Column("camera_state", sa.String(12), nullable=False),
        sa.Column("top_expression", sa.String(12), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        *[sa.Column(c, sa.Float(), nullable=True) for c in PROB_COLUMNS],
        sa.UniqueConstraint("participant_id", "frame_index", name="uq_observation_frame"),
    )
    op.create_index("ix_observation_session_t", "observation", ["session_id", "t"])

    op.create_table(
        "health_sample",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("session_id", BigId, _session_fk(), nullable=False),
        sa.Column("t", sa.Float(precision=53), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False),
        sa.Column("dropped_frames", sa.BigInteger(), nullable=False),
        sa.Column("tiles_found", sa.Integer(), nullable=False),
        sa.Column("capture_online", sa.Boolean(), nullable=False),
        sa.Column("is_gallery", sa.Boolean(), nullable=False),
        sa.Column("last_frame_t", sa.Float(precision=53), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
    )
    op.create_index("ix_health_session_t", "health_sample", ["session_id", "t"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_health_session_t", table_name="health_sample")
    op.drop_table("health_sample")
    op.drop_index("ix_observation_session_t", table_name="observation")
    op.drop_table("observation")
    op.drop_table("participant")
    op.drop_index("ix_session_instructor", table_name="class_session")
    op.drop_index("ix_session_course", table_name="class_session")
    op.drop_index("ix_session_started", table_name="class_session")
    op.drop_table("class_session")
