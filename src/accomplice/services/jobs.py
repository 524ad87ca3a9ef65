"""Batch screening jobs: submit a file, screen it in the server's background worker, read, download, cancel.

A job screens every row of an uploaded CSV/XLSX/JSONL file exactly as `accomplice screen` does (same
reader, same screener, same JSONL and CSV writers), so a job's downloads equal the CLI's output for the
same file and the same lists and decisions. The file is checked whole when it is submitted (a bad file is
refused at once with the file and line named, never queued to fail later); the worker then writes results
in small batches, each batch in one transaction with the job's progress, so that a job survives a restart
of the server: the next worker resumes after the last row written.

Visibility follows the accounts contract: a job records who submitted it and their organisation; a job
whose organisation the principal may not see (an importer looking at another organisation's) does not
exist for that principal. Submissions and cancellations are audited in the transaction that makes them.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from accomplice.batch.csv_cells import formula_safe_writer
from accomplice.batch.encodings import ENCODING_EXAMPLES, check_encoding
from accomplice.batch.inputs import input_format, read_bytes
from accomplice.errors import AccompliceError, InputError, NotFoundError
from accomplice.matching.decisions import Decision, latest_decisions
from accomplice.services.auth import AuthError, ForbiddenError, Permission, Principal, owner_decision_org
from accomplice.services.decisions import decide
from accomplice.services.screening import (
    CSV_RESULT_COLUMNS,
    MAX_QUERY_CHARS,
    TARGET_SCHEMAS,
    ScreeningIndex,
    ScreeningRecord,
    ScreeningResult,
    csv_row_of,
    hide_decided_json,
    record_from_row,
    result_csv_row,
    result_json,
    screen_records,
    screening_index,
    with_decisions,
)
from accomplice.store import Store
from accomplice.store.audit import AuditLog
from accomplice.store.clock import utc_now
from accomplice.store.jobs import JobRecord, JobResultRow, JobStore, NewResult, OnWrite

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = [
    "ENCODING_EXAMPLES",
    "JOB_FORMATS",
    "MAX_UPLOAD_BYTES",
    "RESULT_FORMATS",
    "SCHEMA_CHOICES",
    "ConflictError",
    "JobFilter",
    "JobRecord",
    "JobWorker",
    "MatchView",
    "ResultView",
    "UploadTooLargeError",
    "cancel_job",
    "decide_on_result",
    "get_job",
    "job_results",
    "list_jobs",
    "result_lines",
    "submit_job",
]

log = logging.getLogger(__name__)

JOB_FORMATS = ("csv", "xlsx", "jsonl")
# The kinds of entity a job page can filter its matches by.
SCHEMA_CHOICES = TARGET_SCHEMAS
RESULT_FORMATS = ("jsonl", "csv")
# Uploads above this are refused with 413. A screening file of 100,000 names with dates of birth and
# nationalities is about 5 MiB as CSV; 20 MiB leaves room for wide XLSX sheets while keeping the file,
# stored in the database with its job, and the whole-file check at submission small.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Matches kept per row: the CLI's default (`accomplice screen --limit`), so that downloads are identical.
RESULT_LIMIT = 10
# The worker writes results and progress every this many rows or seconds, whichever comes first: a
# progress bar that moves about once a second, a cancel noticed within about a second, and few enough
# transactions (one per 50 rows) not to slow screening, which takes milliseconds per row.
PROGRESS_EVERY_ROWS = 50
PROGRESS_EVERY_SECONDS = 1.0
# A running job whose worker wrote nothing for this long is taken over by another worker (the server
# died). Far above PROGRESS_EVERY_SECONDS plus the slowest single row, so a live worker is never robbed.
STALE_AFTER_SECONDS = 120.0
# An idle worker looks for queued jobs this often; a submission in the same process wakes it at once.
POLL_SECONDS = 2.0
# File names are shown and stored; the column holds 255 characters.
MAX_FILE_NAME_CHARS = 255
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class UploadTooLargeError(InputError):
    """An uploaded file above MAX_UPLOAD_BYTES (HTTP 413)."""


class ConflictError(AccompliceError):
    """The job is not in a state that allows this (HTTP 409), e.g. results of a job still running."""


# -- submission ---------------------------------------------------------------------------------------


def _audited(store: Store, principal: Principal, action: str) -> OnWrite:
    """An audit entry for a job write, appended in the write's own transaction."""

    def append(conn: Connection, job: JobRecord) -> None:
        AuditLog(store).append(
            conn,
            actor=principal.user,
            action=action,
            subject=f"job:{job.id}",
            detail={
                "file": job.file_name,
                "sha256": job.checksum,
                "rows": job.rows_total,
                "org": job.org,
                "state": job.state,
                "encoding": job.encoding,
            },
        )

    return append


def clean_file_name(name: str) -> str:
    """The uploaded file's base name without control or direction characters, at most 255 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = _UNSAFE_NAME.sub("", base).strip()
    return base[:MAX_FILE_NAME_CHARS] or "upload"


# Rows in one uploaded job: a bank's counterparty file is tens of thousands; a 68 KB workbook that
# unpacks to 200,000 rows is a mistake or an attack. Larger batches run with `accomplice screen`.
MAX_JOB_ROWS = 100_000


def _records(file_name: str, data: bytes, fmt: str, encoding: str | None) -> list[ScreeningRecord]:
    """The file's rows as screening records; InputError naming the line of the first row past the limits:
    MAX_JOB_ROWS rows, and names of at most MAX_QUERY_CHARS characters (as /match takes)."""
    records: list[ScreeningRecord] = []
    for line, row in read_bytes(file_name, data, fmt=fmt, encoding=encoding):
        if len(records) >= MAX_JOB_ROWS:
            raise InputError(file_name, f"more than {MAX_JOB_ROWS:,} rows; split the file", line)
        name = row.get("name", "")
        if len(name) > MAX_QUERY_CHARS:
            raise InputError(
                file_name,
                f"the name is {len(name):,} characters long; at most {MAX_QUERY_CHARS} are screened",
                line,
            )
        records.append(record_from_row(row))
    return records


def submit_job(
    store: Store,
    principal: Principal,
    *,
    file_name: str,
    data: bytes,
    threshold: float | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
) -> JobRecord:
    """Check the whole file, then queue it. A bad file raises InputError naming the file and the line.

    `encoding` names that of a CSV or JSONL file that is neither UTF-8 nor UTF-16 with a byte-order mark
    (such a file is refused without it); the worker reads the stored file with it.
    """
    name = clean_file_name(file_name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooLargeError(
            name, f"is {len(data):,} bytes; uploads are limited to {MAX_UPLOAD_BYTES:,} bytes"
        )
    if not principal.is_authenticated or principal.user is None:
        raise AuthError("a job needs the user who submits it: log in first")
    if not principal.can(Permission.JOBS):
        raise ForbiddenError(f"{principal.user} may not submit jobs (needs the 'jobs' permission)")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InputError(name, f"threshold must be between 0 and 1, not {threshold}")
    kind = input_format(name, fmt or None)
    named = check_encoding(name, encoding)
    records = _records(name, data, kind, named)
    if not records:
        raise InputError(name, "holds a header but no rows to screen")
    return JobStore(store).create(
        created_by=principal.user,
        org=principal.org,
        file_name=name,
        fmt=kind,
        checksum=hashlib.sha256(data).hexdigest(),
        data=data,
        threshold=threshold,
        rows_total=len(records),
        encoding=named,
        on_write=_audited(store, principal, "job.submit"),
    )


# -- reads ---------------------------------------------------------------------------------------------


def get_job(store: Store, principal: Principal, job_id: int) -> JobRecord:
    """The job, if it exists and the principal may see its organisation's objects; else NotFoundError."""
    job = JobStore(store).get(job_id)
    if job is None or not principal.sees_org(job.org):
        raise NotFoundError(f"no job {job_id}")
    return job


# Jobs listed on one page or API answer, newest first.
JOBS_LISTED = 100


def list_jobs(store: Store, principal: Principal, *, limit: int = JOBS_LISTED) -> list[JobRecord]:
    """The newest jobs the principal may see (an importer: its own organisation's)."""
    # A principal who cannot see organisation-less objects is confined to an organisation: let the database
    # filter, so that a busy system's other jobs do not crowd out the principal's own.
    confined = not principal.sees_org(None)
    found = JobStore(store).jobs(org=principal.org, only_org=confined, limit=limit)
    return [job for job in found if principal.sees_org(job.org)]


def cancel_job(store: Store, principal: Principal, job_id: int) -> JobRecord:
    """Cancel a queued or running job; its worker stops within about a second. Finished jobs stay."""
    job = get_job(store, principal, job_id)
    if job.state not in ("queued", "running"):
        raise ConflictError(f"job {job_id} is {job.state}; only a queued or running job can be cancelled")
    return JobStore(store).cancel(job_id, on_write=_audited(store, principal, "job.cancel"))


def result_lines(
    store: Store, principal: Principal, job_id: int, fmt: str, *, hide_decided: bool = False
) -> Iterator[str]:
    """The results as `accomplice screen --format jsonl|csv [--hide-decided]` writes them, streamed in
    input order.

    A job still queued or running has no complete results: ConflictError. A cancelled job gives the
    rows it screened before it was cancelled.
    """
    if fmt not in RESULT_FORMATS:
        raise InputError("format", f"use {' or '.join(RESULT_FORMATS)}, not {fmt!r}")
    job = get_job(store, principal, job_id)
    if job.state in ("queued", "running"):
        raise ConflictError(
            f"job {job_id} is {job.state} ({job.rows_done:,} of {job.rows_total:,} rows); "
            "its results can be downloaded when it is done"
        )
    rows = JobStore(store).results(job_id)
    return _lines(_without_decided(rows) if hide_decided else rows, fmt)


def _without_decided(rows: Iterator[JobResultRow]) -> Iterator[JobResultRow]:
    """The rows as `--hide-decided` writes them: the stored lines are the full results, so the hidden
    ones are dropped here, and the CSV row written again from what is left."""
    for row in rows:
        payload = json.loads(row.line)
        kept = hide_decided_json(payload)
        if len(kept["matches"]) == len(payload["matches"]):
            yield row
            continue
        name = json.loads(row.record)["name"]
        line = json.dumps(kept, ensure_ascii=False)
        csv_row = json.dumps(csv_row_of(kept, name), ensure_ascii=False)
        yield replace(row, line=line, csv_row=csv_row)


def _lines(rows: Iterator[JobResultRow], fmt: str) -> Iterator[str]:
    if fmt == "jsonl":
        for row in rows:
            yield row.line + "\n"
        return
    buffer = io.StringIO(newline="")
    writer = formula_safe_writer(buffer)
    writer.writerow(CSV_RESULT_COLUMNS)
    for row in rows:
        writer.writerow(json.loads(row.csv_row))
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# -- results as the job page shows them ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchView:
    key: str
    keys: tuple[str, ...]
    score: float
    schema: str
    caption: str
    lists: tuple[str, ...]
    explanation: tuple[str, ...]
    # What screening said when the job ran ("match" when a remembered decision raised it to 1).
    applied: str | None
    # The newest decision on this (screened name, entity) pair, taken before or after the job ran.
    decision: Decision | None


@dataclass(frozen=True, slots=True)
class ResultView:
    seq: int
    id: str
    name: str
    schema: str | None
    birth_date: str | None
    nationality: str | None
    matches: tuple[MatchView, ...]
    error: str | None


@dataclass(frozen=True, slots=True)
class JobFilter:
    """Filters of the job page. Match-level filters hide matches; a row left with none is hidden."""

    min_score: float | None = None
    max_score: float | None = None
    schema: str | None = None
    list_name: str | None = None
    decided: str | None = None  # "decided" | "undecided" | None
    only_matches: bool = False

    @property
    def narrows_matches(self) -> bool:
        return any(
            v is not None for v in (self.min_score, self.max_score, self.schema, self.list_name, self.decided)
        )

    def keeps(self, match: MatchView) -> bool:
        if self.min_score is not None and match.score < self.min_score:
            return False
        if self.max_score is not None and match.score > self.max_score:
            return False
        if self.schema and match.schema != self.schema:
            return False
        if self.list_name and self.list_name not in match.lists:
            return False
        if self.decided == "decided" and match.decision is None:
            return False
        return not (self.decided == "undecided" and match.decision is not None)


def _record_of(row: JobResultRow) -> ScreeningRecord:
    data = json.loads(row.record)
    return ScreeningRecord(
        data["id"], data["name"], data.get("schema"), data.get("birth_date"), data.get("nationality")
    )


def job_results(
    store: Store,
    principal: Principal,
    job_id: int,
    filters: JobFilter = JobFilter(),
    *,
    offset: int = 0,
    limit: int = 200,
) -> tuple[list[ResultView], int]:
    """One page of the job's results, filtered, with each match's newest decision; and the count kept.

    The decisions shown are the reader's (Principal.decision_org): an importer sees its organisation's,
    the enforcement side its shared ones; neither sees the other's notes next to a match.
    """
    get_job(store, principal, job_id)
    org = principal.decision_org
    decisions = {} if org is None else latest_decisions(store.decisions(org=org))
    jobs = JobStore(store)
    if not filters.narrows_matches:
        # Every row (or every row with a match) is shown: the database pages, the page reads one page.
        total = jobs.count_results(job_id, only_matches=filters.only_matches)
        rows = jobs.results(job_id, only_matches=filters.only_matches, offset=offset, limit=limit)
        return [_view(row, decisions, filters) for row in rows], total
    kept: list[ResultView] = []
    total = 0
    # Row-level prefilter on the best score: a row whose best match is below the minimum has none above.
    for row in jobs.results(job_id, only_matches=True, min_score=filters.min_score):
        view = _view(row, decisions, filters)
        if not view.matches:
            continue
        total += 1
        if offset < total <= offset + limit:
            kept.append(view)
    return kept, total


def _view(row: JobResultRow, decisions: dict[tuple[str, str], Decision], filters: JobFilter) -> ResultView:
    record = _record_of(row)
    payload = json.loads(row.line)
    fingerprint = record.fingerprint
    matches = []
    for m in payload["matches"]:
        keys = tuple(m["keys"])
        # A decision may name any list key of the entity, as `apply_decisions` reads them.
        decision = next(
            (decisions[(fingerprint, k)] for k in (m["key"], *keys) if (fingerprint, k) in decisions),
            None,
        )
        view = MatchView(
            m["key"],
            keys,
            m["score"],
            m["schema"],
            m["caption"],
            tuple(m["lists"]),
            tuple(m["explanation"]),
            m.get("decision"),
            decision,
        )
        if filters.keeps(view):
            matches.append(view)
    return ResultView(
        row.seq,
        record.id,
        record.name,
        record.schema,
        record.birth_date,
        record.nationality,
        tuple(matches),
        payload.get("error"),
    )


def decide_on_result(
    store: Store,
    principal: Principal,
    *,
    job_id: int,
    seq: int,
    entity_key: str,
    judgement: str,
    reason: str = "",
) -> Decision:
    """Record a decision on a match of one job row, for the row's name and evidence as screened.

    Through the existing `decide`: the decision holds the query's fingerprint and the entity's, so later
    screenings of the same name apply it until the listed entity changes.
    """
    get_job(store, principal, job_id)
    row = JobStore(store).result(job_id, seq)
    if row is None:
        raise NotFoundError(f"job {job_id} has no result row {seq}")
    record = _record_of(row)
    return decide(
        store,
        principal,
        name=record.name,
        entity_key=entity_key,
        judgement=judgement,
        reason=reason,
        schema=record.schema,
        birth_date=record.birth_date,
        nationality=record.nationality,
    )


# -- the worker ------------------------------------------------------------------------------------------


def _new_result(record: ScreeningRecord, result: ScreeningResult) -> NewResult:
    return NewResult(
        record=json.dumps(
            {
                "id": record.id,
                "name": record.name,
                "schema": record.schema,
                "birth_date": record.birth_date,
                "nationality": record.nationality,
            },
            ensure_ascii=False,
        ),
        line=json.dumps(result_json(result), ensure_ascii=False),
        csv_row=json.dumps(result_csv_row(result), ensure_ascii=False),
        matches=len(result.matches),
        # The highest score, not the first match's: matches decided not a match come last whatever their
        # score, and the page's minimum-score filter skips rows by this number.
        best_score=max((m.score for m in result.matches), default=None),
    )


def _job_index(store: Store, job: JobRecord) -> ScreeningIndex:
    """The shared screening index with the job's decisions as the store holds them as the job starts.

    The job's decisions are its submitter's (an importer's organisation's, or the enforcement side's
    shared ones; see `owner_decision_org`): the worker acts for no principal. A private copy: decisions
    taken by another process (a second server, `accomplice decide`) are not in this process's cached
    index, and a decision taken while the job runs must not change the dict under the job's feet (nor
    apply to half of its rows).
    """
    org = owner_decision_org(store, job.created_by, job.org)
    return with_decisions(store, screening_index(store), org, fresh=True)


class JobWorker:
    """Runs queued jobs one at a time, oldest first, in a background thread of the server process.

    On start it also takes over jobs left `running` by a server that stopped: a clean stop puts its job
    back in the queue at once; a crashed server's job is taken over once its heartbeat is STALE_AFTER old.
    """

    def __init__(
        self,
        store: Store,
        *,
        poll_seconds: float = POLL_SECONDS,
        stale_after: float = STALE_AFTER_SECONDS,
        batch_rows: int = PROGRESS_EVERY_ROWS,
        batch_seconds: float = PROGRESS_EVERY_SECONDS,
    ) -> None:
        self.store = store
        self.jobs = JobStore(store)
        self.id = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.poll_seconds = poll_seconds
        self.stale_after = stale_after
        self.batch_rows = batch_rows
        self.batch_seconds = batch_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="accomplice-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for work now (a job was just submitted)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current row; a job in progress is written up to there and queued again."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_next()
            except Exception:  # a broken store must not kill the worker; it tries again later
                log.exception("job worker failed; retrying in %s s", self.poll_seconds)
                ran = False
            if not ran:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def run_next(self) -> bool:
        """Claim and run the next job; False when there was none (or the worker is stopping)."""
        if self._stop.is_set():
            return False
        stale_before = utc_now() - timedelta(seconds=self.stale_after)
        if not self.jobs.has_claimable(stale_before=stale_before):
            return False
        # Build (or reuse) the index before claiming: the first build takes seconds, during which the
        # job would otherwise be held without a heartbeat.
        screening_index(self.store)
        job = self.jobs.claim(self.id, stale_before=stale_before)
        if job is None:
            return False
        try:
            self._run(job, _job_index(self.store, job))
        except InputError as exc:
            self.jobs.finish(job.id, self.id, "failed", str(exc))
        except Exception as exc:
            log.exception("job %s failed", job.id)
            self.jobs.finish(job.id, self.id, "failed", f"internal error ({type(exc).__name__}); see the log")
        return True

    def _run(self, job: JobRecord, index: ScreeningIndex) -> None:
        data = self.jobs.input_data(job.id)
        records = _records(job.file_name, data, job.format, job.encoding)[job.rows_done :]
        start = job.rows_done
        batch: list[NewResult] = []
        last_write = time.monotonic()
        results = screen_records(index, records, threshold=job.threshold, limit=RESULT_LIMIT, workers=1)
        for record, result in zip(records, results, strict=True):
            batch.append(_new_result(record, result))
            stopping = self._stop.is_set()
            if (
                stopping
                or len(batch) >= self.batch_rows
                or time.monotonic() - last_write >= self.batch_seconds
            ):
                if not self.jobs.write_results(job.id, self.id, start, batch):
                    return  # cancelled, or taken over: nothing more to do
                start += len(batch)
                batch = []
                last_write = time.monotonic()
                if stopping:
                    self.jobs.release(job.id, self.id)
                    return
        if self.jobs.write_results(job.id, self.id, start, batch):
            self.jobs.finish(job.id, self.id, "done")
