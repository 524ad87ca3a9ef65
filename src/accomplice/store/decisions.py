"""Analysts' screening decisions: append-only, per organisation, each with its audit row."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from accomplice.matching.decisions import Decision
from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.clock import aware
from accomplice.store.engine import writer
from accomplice.store.generation import note_local_write
from accomplice.store.schema import decisions

__all__ = ["DecisionLog"]


class DecisionLog:
    """The decisions table of one store. There is no update or delete: a changed mind is a new row."""

    def __init__(self, engine: Engine, audit: AuditLog) -> None:
        self.engine = engine
        self.audit = audit

    def decisions_mark(self) -> str:
        """Changes whenever a decision is added (by any process): lets caches of decisions reload them."""
        with self.engine.connect() as conn:
            count, last = conn.execute(select(func.count(), func.max(decisions.c.id))).one()
        return f"{count}:{last}"

    def add_decision(self, decision: Decision, audit: AuditEntry | None = None) -> None:
        """Record an analyst's decision. There is no update or delete: a changed mind is a new row.

        `audit` is recorded in the audit log in the same transaction.
        """
        with writer(self.engine) as conn:
            conn.execute(
                decisions.insert().values(
                    query_fingerprint=decision.query_fingerprint,
                    query_text=decision.query_text,
                    entity_key=decision.entity_key,
                    judgement=decision.judgement,
                    reason=decision.reason,
                    user=decision.user,
                    entity_fingerprint=decision.entity_fingerprint,
                    created_at=decision.created_at,
                    org=decision.org,
                )
            )
            if audit is not None:
                self.audit.append_entry(conn, audit)
        note_local_write(self.engine)

    def decisions(
        self, *, org: str | None, entity_key: str | None = None, query_fingerprint: str | None = None
    ) -> list[Decision]:
        """The decisions of organisation `org` ("" = the enforcement side's shared ones), oldest first.

        `org` is required so that no screening mixes organisations' decisions by accident; None reads every
        organisation's (the full history, for an audit). `query_fingerprint` narrows them to one screened
        name (one search needs no others).
        """
        query = select(decisions).order_by(decisions.c.id)
        if org is not None:
            query = query.where(decisions.c.org == org)
        if query_fingerprint is not None:
            query = query.where(decisions.c.query_fingerprint == query_fingerprint)
        if entity_key is not None:
            query = query.where(decisions.c.entity_key == entity_key)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Decision(
                r.query_fingerprint,
                r.query_text,
                r.entity_key,
                r.judgement,
                r.reason,
                r.user,
                r.entity_fingerprint,
                aware(r.created_at),
                r.org,
            )
            for r in rows
        ]
