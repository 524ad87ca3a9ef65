"""The jobs tables behave the same on SQLite and PostgreSQL: ownership, progress, cancel, order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accomplice.store import Store
from accomplice.store.jobs import JobStore, NewResult
from tests.helpers import BACKENDS

INPUT = "id,name\n1,김정은\n2,Jane Doe\n".encode()


def _result(i: int, matches: int = 0) -> NewResult:
    return NewResult(
        record=f'{{"id": "{i}", "name": "n{i}"}}',
        line=f'{{"id": "{i}", "matches": []}}',
        csv_row=f'["{i}", "n{i}", "0", "", "", "", "", "", "", ""]',
        matches=matches,
        best_score=0.9 if matches else None,
    )


def _job(jobs: JobStore, org: str | None = "acme", rows: int = 2) -> int:
    return jobs.create(
        created_by="ana",
        org=org,
        file_name="names.csv",
        fmt="csv",
        checksum="0" * 64,
        data=INPUT,
        threshold=None,
        rows_total=rows,
    ).id


def _now() -> datetime:
    return datetime.now(UTC)


@BACKENDS
def test_job_keeps_its_input_bytes_and_starts_queued(store: Store) -> None:
    jobs = JobStore(store)
    job = jobs.get(_job(jobs))
    assert job is not None
    assert (job.state, job.rows_total, job.rows_done, job.created_by, job.org) == (
        "queued",
        2,
        0,
        "ana",
        "acme",
    )
    assert job.created_at.tzinfo is not None
    assert jobs.input_data(job.id) == INPUT


@BACKENDS
def test_only_one_worker_claims_a_job(store: Store) -> None:
    jobs = JobStore(store)
    job_id = _job(jobs)
    first = jobs.claim("w1", stale_before=_now() - timedelta(minutes=2))
    assert first is not None
    assert (first.id, first.state, first.worker) == (job_id, "running", "w1")
    assert jobs.claim("w2", stale_before=_now() - timedelta(minutes=2)) is None


@BACKENDS
def test_results_are_written_with_progress_and_read_in_input_order(store: Store) -> None:
    jobs = JobStore(store)
    job_id = _job(jobs, rows=3)
    assert jobs.claim("w1", stale_before=_now()) is not None
    assert jobs.write_results(job_id, "w1", 0, [_result(0, 1), _result(1)])
    assert jobs.write_results(job_id, "w1", 2, [_result(2, 2)])
    assert jobs.finish(job_id, "w1", "done")
    job = jobs.get(job_id)
    assert job is not None
    assert (job.state, job.rows_done, job.rows_with_matches) == ("done", 3, 2)
    assert [r.seq for r in jobs.results(job_id)] == [0, 1, 2]
    assert [r.seq for r in jobs.results(job_id, only_matches=True)] == [0, 2]


@BACKENDS
def test_a_worker_that_lost_its_job_writes_nothing(store: Store) -> None:
    jobs = JobStore(store)
    job_id = _job(jobs)
    jobs.claim("w1", stale_before=_now())
    assert not jobs.write_results(job_id, "w2", 0, [_result(0)]), "not the owner"
    assert not jobs.write_results(job_id, "w1", 1, [_result(1)]), "not where the job stands"
    jobs.cancel(job_id)
    assert not jobs.write_results(job_id, "w1", 0, [_result(0)]), "cancelled"
    assert not jobs.finish(job_id, "w1", "done")
    job = jobs.get(job_id)
    assert job is not None
    assert (job.state, job.rows_done) == ("cancelled", 0)
    assert list(jobs.results(job_id)) == []


@BACKENDS
def test_silent_worker_job_is_taken_over_and_resumed_where_it_stopped(store: Store) -> None:
    jobs = JobStore(store)
    job_id = _job(jobs)
    jobs.claim("w1", stale_before=_now())
    assert jobs.write_results(job_id, "w1", 0, [_result(0)])
    # w1's heartbeat is fresh: nobody takes its job
    assert jobs.claim("w2", stale_before=_now() - timedelta(minutes=2)) is None
    # once its heartbeat is older than the stale limit, w2 takes over at row 1
    taken = jobs.claim("w2", stale_before=_now() + timedelta(seconds=1))
    assert taken is not None
    assert (taken.worker, taken.rows_done) == ("w2", 1)
    assert not jobs.write_results(job_id, "w1", 1, [_result(1)])
    assert jobs.write_results(job_id, "w2", 1, [_result(1)])


@BACKENDS
def test_released_job_goes_back_to_the_queue(store: Store) -> None:
    jobs = JobStore(store)
    job_id = _job(jobs)
    jobs.claim("w1", stale_before=_now())
    assert jobs.release(job_id, "w1")
    job = jobs.get(job_id)
    assert job is not None
    assert (job.state, job.worker) == ("queued", None)
    again = jobs.claim("w2", stale_before=_now() - timedelta(minutes=2))
    assert again is not None
    assert again.id == job_id


@BACKENDS
def test_jobs_are_listed_newest_first_and_confined_to_an_org(store: Store) -> None:
    jobs = JobStore(store)
    a = _job(jobs, org="acme")
    b = _job(jobs, org="other")
    c = _job(jobs, org=None)
    assert [j.id for j in jobs.jobs()] == [c, b, a]
    assert [j.id for j in jobs.jobs(org="acme", only_org=True)] == [a]
    assert jobs.jobs(org=None, only_org=True) == []


@BACKENDS
def test_a_page_of_results_counts_only_the_rows_kept(store: Store) -> None:
    jobs = JobStore(store)
    job_id = _job(jobs, rows=7)
    jobs.claim("w1", stale_before=_now())
    assert jobs.write_results(job_id, "w1", 0, [_result(i, i % 2) for i in range(7)])
    assert [r.seq for r in jobs.results(job_id, offset=2, limit=3)] == [2, 3, 4]
    assert [r.seq for r in jobs.results(job_id, only_matches=True, offset=1, limit=5)] == [3, 5]
    assert list(jobs.results(job_id, offset=7)) == []
    assert (jobs.count_results(job_id), jobs.count_results(job_id, only_matches=True)) == (7, 3)
