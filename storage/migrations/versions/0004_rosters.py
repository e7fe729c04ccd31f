"""Rosters: roster, roster_student and roster_alias.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Why: attendance joins the gallery's names to the course's class list. Rosters are keyed by
course name and live apart from sessions (a session finds its roster at query time), so deleting
a session never touches a roster and a roster can be deleted on its own (personal data).
Also a partial index on observation's speaking rows: attendance sums speaking time per
participant, and without it that sum reads every row of the session.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "roster",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("course", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("course", name="uq_roster_course"),
    )
    op.create_table(
        "roster_student",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("roster_id", BigId, sa.ForeignKey("roster.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("student_id", sa.String(100), nullable=False),
        sa.Column("email", sa.String(300), nullable=False),
    )
    op.create_index("ix_roster_student_roster", "roster_student", ["roster_id"])
    op.create_table(
        "roster_alias",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("roster_id", BigId, sa.ForeignKey("roster.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("roster_student_id", BigId,
                  sa.ForeignKey("roster_student.id", ondelete="CASCADE"), nullable=False),
        sa.Column("alias", sa.String(300), nullable=False),
        sa.Column("alias_norm", sa.String(300), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("roster_id", "alias_norm", name="uq_roster_alias_norm"),
    )
    op.create_index("ix_roster_alias_student", "roster_alias", ["roster_student_id"])
    op.create_index("ix_observation_speaking", "observation", ["session_id", "participant_id"],
                    sqlite_where=sa.text("speaking = 1"), postgresql_where=sa.text("speaking"))


def downgrade() -> None:
    op.drop_index("ix_observation_speaking", table_name="observation")
    op.drop_index("ix_roster_alias_student", table_name="roster_alias")
    op.drop_table("roster_alias")
    op.drop_index("ix_roster_student_roster", table_name="roster_student")
    op.drop_table("roster_student")
    op.drop_table("roster")
