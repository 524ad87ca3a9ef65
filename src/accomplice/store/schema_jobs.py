"""Tables of batch screening jobs: the job, its uploaded file, and one result row per input row.

The uploaded file is kept in the database, not under the data directory: it is written in the same
transaction as the job (a job never exists without its input, and a failed upload leaves nothing
behind), it survives a restart and moves with the database (backups, a PostgreSQL server shared by several
app hosts), and the upload limit (`services.jobs.MAX_UPLOAD_BYTES`) keeps the blobs small.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from accomplice.store.schema import metadata

__all__ = ["JOB_STATES", "job_inputs", "job_results", "jobs"]

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_by", String(128), nullable=False),
    # The submitter's organisation: an importer sees only its own organisation's jobs.
    Column("org", String(128), nullable=True),
    Column("file_name", String(255), nullable=False),
    Column("format", String(16), nullable=False),
    # The text encoding the submitter named for a CSV or JSONL file that is not UTF-8 or UTF-16 with a
    # byte-order mark (a Python codec name); NULL: the file declares its own (see batch.encodings).
    Column("encoding", String(32), nullable=True),
    Column("checksum", String(64), nullable=False),  # SHA-256 of the uploaded bytes
    Column("size_bytes", Integer, nullable=False),
    Column("threshold", Float, nullable=True),  # NULL: the screener's default alert threshold
    Column("state", String(16), nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("rows_done", Integer, nullable=False),
    Column("rows_with_matches", Integer, nullable=False),
    Column("error", Text, nullable=True),
    # The worker running the job and when it last wrote progress: a job whose worker died (no heartbeat
    # for a while) is taken over by another worker, which resumes after the last row written.
    Column("worker", String(64), nullable=True),
    Column("heartbeat_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("state IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="ck_jobs_state"),
    Index("ix_jobs_state", "state", "id"),
    Index("ix_jobs_org", "org", "id"),
)

job_inputs = Table(
    "job_inputs",
    metadata,
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# One row per input row, in input order (`seq` from 0). `line` is the exact JSONL line and `csv_row` the
# JSON array of the CSV fields that `accomplice screen` writes for the row, produced by the same
# functions, so that downloads equal the CLI's output byte for byte. `record` keeps the screened name with
# its evidence (schema, birth date, nationality), which a decision on one of the row's matches needs.
job_results = Table(
    "job_results",
    metadata,
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("record", Text, nullable=False),
    Column("line", Text, nullable=False),
    Column("csv_row", Text, nullable=False),
    Column("matches", Integer, nullable=False),
    Column("best_score", Float, nullable=True),
)
