"""Model registry: models, their versions, aliases and alias history.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "model",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("task", sa.String(length=32), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("target", JSON, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model")),
        sa.UniqueConstraint("name", name=op.f("uq_model_name")),
    )
    op.create_table(
        "model_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("backtest", JSON, nullable=True),
        sa.Column("params", JSON, nullable=False),
        sa.Column("data_fingerprint", sa.String(length=128), nullable=True),
        sa.Column("library_versions", JSON, nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("training_seconds", sa.Float(), nullable=True),
        sa.Column("artifact_uri", sa.String(length=2000), nullable=True),
        sa.Column("artifact_sha256", sa.String(length=64), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["model.id"],
            name=op.f("fk_model_version_model_id_model"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_version")),
        sa.UniqueConstraint("model_id", "version", name=op.f("uq_model_version_model_id_version")),
    )
    with op.batch_alter_table("model_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_version_model_id"), ["model_id"], unique=False)

    op.create_table(
        "model_fit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("carried_over", sa.Boolean(), nullable=False),
        sa.Column("data_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("n_obs", sa.Integer(), nullable=False),
        sa.Column("data_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("engine_detail", sa.Text(), nullable=True),
        sa.Column("skill", sa.Float(), nullable=True),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("backtest", JSON, nullable=True),
        sa.Column("forecast", JSON, nullable=True),
        sa.Column("artifact_uri", sa.String(length=2000), nullable=True),
        sa.Column("artifact_sha256", sa.String(length=64), nullable=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("training_seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_model_fit_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_version.id"],
            name=op.f("fk_model_fit_version_id_model_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_fit")),
        sa.UniqueConstraint(
            "version_id", "series_id", name=op.f("uq_model_fit_version_id_series_id")
        ),
    )
    with op.batch_alter_table("model_fit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_fit_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_fit_version_id"), ["version_id"], unique=False)

    op.create_table(
        "model_alias",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["model.id"],
            name=op.f("fk_model_alias_model_id_model"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_version.id"],
            name=op.f("fk_model_alias_version_id_model_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "alias", name=op.f("pk_model_alias")),
    )
    op.create_table(
        "model_alias_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["model.id"],
            name=op.f("fk_model_alias_event_model_id_model"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_version.id"],
            name=op.f("fk_model_alias_event_version_id_model_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_alias_event")),
    )
    with op.batch_alter_table("model_alias_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_model_alias_event_model_id"), ["model_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("model_alias_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_alias_event_model_id"))

    op.drop_table("model_alias_event")
    op.drop_table("model_alias")
    with op.batch_alter_table("model_fit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_fit_version_id"))
        batch_op.drop_index(batch_op.f("ix_model_fit_series_id"))

    op.drop_table("model_fit")
    with op.batch_alter_table("model_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_version_model_id"))

    op.drop_table("model_version")
    op.drop_table("model")
