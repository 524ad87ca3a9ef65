"""Batch screening jobs in the store: submission, claiming by a worker, results in input order, cancel.

Every write is one transaction. A worker owns a running job through the `worker` column and proves it is
alive with `heartbeat_at`, refreshed by every write of results; writes by a worker that no longer owns
the job (it was cancelled, or taken over after the worker went silent) change nothing, so a cancelled job
gets no more results and two workers never write the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from accomplice.store.clock import aware, utc_now
from accomplice.store.schema_jobs import job_inputs, job_results, jobs
from accomplice.store.store import Store

__all__ = ["JobRecord", "JobResultRow", "JobStore", "NewResult"]

# Result rows read from the database per query while streaming a download: bounded memory for jobs of
# any size, few enough round trips (a 100,000-row job is 100 queries).
READ_CHUNK = 1_000

# Called inside the transaction of a write, with its connection: how the caller records an audit entry
# atomically with the change it describes.
OnWrite = Callable[[Connection, "JobRecord"], None]


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: int
    created_by: str
    org: str | None
    file_name: str
    format: str
    checksum: str
    size_bytes: int
    threshold: float | None
    state: str
    rows_total: int
    rows_done: int
    rows_with_matches: int
    error: str | None
    worker: str | None
    heartbeat_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    # The encoding the submitter named for the file; None when the file declares its own.
    encoding: str | None = None


@dataclass(frozen=True, slots=True)
class NewResult:
    """One screened row as the worker writes it (see `schema_jobs.job_results`)."""

    record: str
    line: str
    csv_row: str
    matches: int
    best_score: float | None


@dataclass(frozen=True, slots=True)
class JobResultRow:
    seq: int
    record: str
    line: str
    csv_row: str
    matches: int
    best_score: float | None


def _job(row: Any) -> JobRecord:
    return JobRecord(
        id=row.id,
        created_by=row.created_by,
        org=row.org,
        file_name=row.file_name,
        format=row.format,
        checksum=row.checksum,
        size_bytes=row.size_bytes,
        threshold=row.threshold,
        state=row.state,
        rows_total=row.rows_total,
        rows_done=row.rows_done,
        rows_with_matches=row.rows_with_matches,
        error=row.error,
        worker=row.worker,
        heartbeat_at=aware(row.heartbeat_at),
        created_at=aware(row.created_at),
        started_at=aware(row.started_at),
        finished_at=aware(row.finished_at),
        encoding=row.encoding,
    )


class JobStore:
    """The jobs tables of one `Store` (SQLite or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine

    def _read(self, conn: Connection, job_id: int) -> JobRecord:
        return _job(conn.execute(select(jobs).where(jobs.c.id == job_id)).one())

    # -- submission and reads ----------------------------------------------------------------------------

    def create(
        self,
        *,
        created_by: str,
        org: str | None,
        file_name: str,
        fmt: str,
        checksum: str,
        data: bytes,
        threshold: float | None,
        rows_total: int,
        encoding: str | None = None,
        on_write: OnWrite | None = None,
    ) -> JobRecord:
        """Queue a job with its input file, both or neither."""
        with self.store.writer() as conn:
            key = conn.execute(
                jobs.insert().values(
                    created_by=created_by,
                    org=org,
                    file_name=file_name,
                    format=fmt,
                    encoding=encoding,
                    checksum=checksum,
                    size_bytes=len(data),
                    threshold=threshold,
                    state="queued",
                    rows_total=rows_total,
                    rows_done=0,
                    rows_with_matches=0,
                    created_at=utc_now(),
                )
            ).inserted_primary_key
            assert key is not None
            conn.execute(job_inputs.insert().values(job_id=key[0], data=data))
            job = self._read(conn, key[0])
            if on_write is not None:
                on_write(conn, job)
        return job

    def get(self, job_id: int) -> JobRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
        return _job(row) if row is not None else None

    def jobs(self, *, org: str | None = None, only_org: bool = False, limit: int = 100) -> list[JobRecord]:
        """Newest first; with `only_org`, only the jobs of `org` (NULL org matches no importer)."""
        query = select(jobs).order_by(jobs.c.id.desc()).limit(limit)
        if only_org:
            query = query.where(jobs.c.org == org) if org is not None else query.where(jobs.c.id.is_(None))
        with self.engine.connect() as conn:
            return [_job(r) for r in conn.execute(query).all()]

    def input_data(self, job_id: int) -> bytes:
        with self.engine.connect() as conn:
            data: bytes = conn.execute(
                select(job_inputs.c.data).where(job_inputs.c.job_id == job_id)
            ).scalar_one()
        return bytes(data)

    def results(
        self,
        job_id: int,
        *,
        only_matches: bool = False,
        min_score: float | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Iterator[JobResultRow]:
        """The job's results in input order, read in chunks (a download of any size in bounded memory).

        `offset` and `limit` count the rows kept by the filters (a page of a job's results).
        """
        conditions = [job_results.c.job_id == job_id]
        if only_matches:
            conditions.append(job_results.c.matches > 0)
        if min_score is not None:
            conditions.append(job_results.c.best_score >= min_score)
        after: int | None = None
        if offset:
            with self.engine.connect() as conn:
                after = conn.execute(
                    select(job_results.c.seq)
                    .where(*conditions)
                    .order_by(job_results.c.seq)
                    .offset(offset - 1)
                    .limit(1)
                ).scalar_one_or_none()
            if after is None:
                return
        left = limit
        while left is None or left > 0:
            chunk = READ_CHUNK if left is None else min(READ_CHUNK, left)
            query = select(job_results).where(*conditions).order_by(job_results.c.seq).limit(chunk)
            if after is not None:
                query = query.where(job_results.c.seq > after)
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
            for r in rows:
                yield JobResultRow(r.seq, r.record, r.line, r.csv_row, r.matches, r.best_score)
            if len(rows) < chunk:
                return
            after = rows[-1].seq
            if left is not None:
                left -= len(rows)

    def count_results(self, job_id: int, *, only_matches: bool = False) -> int:
        query = select(func.count()).select_from(job_results).where(job_results.c.job_id == job_id)
        if only_matches:
            query = query.where(job_results.c.matches > 0)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def result(self, job_id: int, seq: int) -> JobResultRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(
                select(job_results).where(job_results.c.job_id == job_id, job_results.c.seq == seq)
            ).one_or_none()
        return JobResultRow(r.seq, r.record, r.line, r.csv_row, r.matches, r.best_score) if r else None

    # -- the worker's side ---------------------------------------------------------------------------------

    @staticmethod
    def _claimable(stale_before: datetime) -> Any:
        return or_(
            jobs.c.state == "queued",
            and_(
                jobs.c.state == "running",
                or_(jobs.c.heartbeat_at.is_(None), jobs.c.heartbeat_at < stale_before),
            ),
        )

    def has_claimable(self, *, stale_before: datetime) -> bool:
        """A plain read, so that an idle worker's polling never takes SQLite's write lock."""
        with self.engine.connect() as conn:
            found = conn.execute(select(jobs.c.id).where(self._claimable(stale_before)).limit(1)).first()
        return found is not None

    def claim(self, worker: str, *, stale_before: datetime) -> JobRecord | None:
        """Take the oldest queued job, or a running one whose worker has been silent since `stale_before`.

        Atomic on both backends: SQLite's writer lock (BEGIN IMMEDIATE) or PostgreSQL's row lock with
        SKIP LOCKED, then a conditional update; two workers never hold one job.
        """
        query = select(jobs.c.id).where(self._claimable(stale_before)).order_by(jobs.c.id).limit(1)
        if self.store.backend == "postgresql":
            query = query.with_for_update(skip_locked=True)
        now = utc_now()
        with self.store.writer() as conn:
            job_id = conn.execute(query).scalar_one_or_none()
            if job_id is None:
                return None
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(
                    state="running",
                    worker=worker,
                    heartbeat_at=now,
                    started_at=func.coalesce(jobs.c.started_at, now),
                )
            )
            return self._read(conn, job_id)

    def write_results(self, job_id: int, worker: str, start: int, results: Sequence[NewResult]) -> bool:
        """Append results for rows `start`... and advance the progress, in one transaction.

        False (and nothing written) when the worker no longer owns the running job, or when `start` is
        not where the job stands: the caller stops.
        """
        with self.store.writer() as conn:
            moved = conn.execute(
                update(jobs)
                .where(
                    jobs.c.id == job_id,
                    jobs.c.state == "running",
                    jobs.c.worker == worker,
                    jobs.c.rows_done == start,
                )
                .values(
                    rows_done=start + len(results),
                    rows_with_matches=jobs.c.rows_with_matches + sum(1 for r in results if r.matches),
                    heartbeat_at=utc_now(),
                )
            ).rowcount
            if moved != 1:
                return False
            if results:
                conn.execute(
                    job_results.insert(),
                    [
                        {
                            "job_id": job_id,
                            "seq": start + i,
                            "record": r.record,
                            "line": r.line,
                            "csv_row": r.csv_row,
                            "matches": r.matches,
                            "best_score": r.best_score,
                        }
                        for i, r in enumerate(results)
                    ],
                )
        return True

    def finish(self, job_id: int, worker: str, state: str, error: str | None = None) -> bool:
        """End a running job the worker owns (done or failed); False if it was cancelled or taken over."""
        with self.store.writer() as conn:
            return bool(
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id == job_id, jobs.c.state == "running", jobs.c.worker == worker)
                    .values(state=state, error=error, finished_at=utc_now(), worker=None)
                ).rowcount
            )

    def release(self, job_id: int, worker: str) -> bool:
        """Put a running job back in the queue (the server stops); the next worker resumes it."""
        with self.store.writer() as conn:
            return bool(
                conn.execute(
                    update(jobs)
                    .where(jobs.c.id == job_id, jobs.c.state == "running", jobs.c.worker == worker)
                    .values(state="queued", worker=None, heartbeat_at=None)
                ).rowcount
            )

    def cancel(self, job_id: int, on_write: OnWrite | None = None) -> JobRecord:
        """Cancel a queued or running job (its worker stops at its next write); a finished job stays."""
        with self.store.writer() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state.in_(("queued", "running")))
                .values(state="cancelled", finished_at=utc_now(), worker=None)
            )
            job = self._read(conn, job_id)
            if on_write is not None:
                on_write(conn, job)
        return job
