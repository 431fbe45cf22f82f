"""Disaster relief: events, requests, offers and the steps of each offer's delivery cycle.

``relief_events`` (a disaster and its relief items), ``relief_requests`` (what is asked, where,
by when), ``relief_offers`` (what a nation offers, its status and the request it is held for)
and ``relief_offer_steps`` (every status change, who and when). All labelled and versioned like
pledges. New tables only: nothing existing changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _label_and_version() -> list[sa.Column]:
    return [
        sa.Column("classification", sa.Integer(), server_default="0", nullable=False),
        sa.Column("releasable_to", sa.String(length=1500), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("label_policy", sa.String(length=32), nullable=True),
        sa.Column("label_rank", sa.Integer(), nullable=True),
        sa.Column("label_restrictive", sa.Text(), nullable=True),
        sa.Column("label_permissive", sa.Text(), nullable=True),
        sa.Column("label_open", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "relief_events",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("at", sa.JSON(), nullable=True),
        sa.Column("started", sa.DateTime(timezone=True), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("airfields", sa.JSON(), nullable=True),
        sa.Column("ports", sa.JSON(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=True),
        *_label_and_version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_events")),
    )
    op.create_table(
        "relief_requests",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("capability", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("at", sa.JSON(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("by_hours", sa.Float(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        *_label_and_version(),
        sa.ForeignKeyConstraint(
            ["event"],
            ["relief_events.id"],
            name=op.f("fk_relief_requests_event_relief_events"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_requests")),
    )
    op.create_index("ix_relief_requests_event_id", "relief_requests", ["event", "id"])
    op.create_table(
        "relief_offers",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("capability", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("home", sa.JSON(), nullable=False),
        sa.Column("notice_hours", sa.Float(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("request", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_by", sa.String(length=100), nullable=True),
        *_label_and_version(),
        sa.ForeignKeyConstraint(
            ["event"],
            ["relief_events.id"],
            name=op.f("fk_relief_offers_event_relief_events"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["request"],
            ["relief_requests.id"],
            name=op.f("fk_relief_offers_request_relief_requests"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_offers")),
    )
    op.create_index("ix_relief_offers_event_id", "relief_offers", ["event", "id"])
    op.create_index("ix_relief_offers_nation_id", "relief_offers", ["nation", "id"])
    op.create_index("ix_relief_offers_request", "relief_offers", ["request"])
    op.create_table(
        "relief_offer_steps",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("offer", sa.String(length=200), nullable=False),
        sa.Column("before", sa.String(length=20), nullable=True),
        sa.Column("after", sa.String(length=20), nullable=False),
        sa.Column("request", sa.String(length=200), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["offer"],
            ["relief_offers.id"],
            name=op.f("fk_relief_offer_steps_offer_relief_offers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_relief_offer_steps")),
    )
    op.create_index(op.f("ix_relief_offer_steps_offer"), "relief_offer_steps", ["offer"])


def downgrade() -> None:
    op.drop_index(op.f("ix_relief_offer_steps_offer"), table_name="relief_offer_steps")
    op.drop_table("relief_offer_steps")
    for name in (
        "ix_relief_offers_request",
        "ix_relief_offers_nation_id",
        "ix_relief_offers_event_id",
    ):
        op.drop_index(name, table_name="relief_offers")
    op.drop_table("relief_offers")
    op.drop_index("ix_relief_requests_event_id", table_name="relief_requests")
    op.drop_table("relief_requests")
    op.drop_table("relief_events")
