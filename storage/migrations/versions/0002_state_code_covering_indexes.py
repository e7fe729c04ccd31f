"""observation.state_code and covering indexes for the dashboard aggregates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Why: grouping 180,000 rows by evaluating string CASEs per row, through an index that does not
hold the needed columns, took ~200-300 ms on SQLite. A small integer code (camera state + top
expression) inside covering indexes in GROUP BY order is 3-5x faster. Existing rows are
backfilled; the NOT NULL change goes through batch mode (a table copy) on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

NAMES = ("Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral")
BACKFILL = (
    "UPDATE observation SET state_code = CASE"
    " WHEN camera_state = 'camera_off' THEN 8"
    " WHEN camera_state = 'no_face' THEN 9"
    + "".join(f" WHEN top_expression = '{n}' THEN {i}" for i, n in enumerate(NAMES))
    + " ELSE 7 END"
)


def upgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        batch.add_column(sa.Column("state_code", sa.SmallInteger(), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table("observation") as batch:
        batch.alter_column("state_code", existing_type=sa.SmallInteger(), nullable=False)
    op.drop_index("ix_observation_session_t", table_name="observation")
    op.create_index("ix_observation_time", "observation",
                    ["session_id", "t", "state_code", "participant_id", "confidence"])
    op.create_index("ix_observation_person", "observation",
                    ["session_id", "participant_id", "state_code", "t", "confidence"])


def downgrade() -> None:
    op.drop_index("ix_observation_person", table_name="observation")
    op.drop_index("ix_observation_time", table_name="observation")
    op.create_index("ix_observation_session_t", "observation", ["session_id", "t"])
    with op.batch_alter_table("observation") as batch:
        batch.drop_column("state_code")
