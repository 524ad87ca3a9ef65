"""Screening decisions per organisation: an importer's compliance team marks its own false positives, which
apply to its own searches, jobs and watchlists only; the enforcement side's decisions — and the notes and
names on them — never reach an importer, and an importer's "not a match" never hides a hit from
enforcement."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Table, text

from accomplice import services
from accomplice.api import create_app
from accomplice.matching import Match
from accomplice.matching.decisions import Decision
from accomplice.services import jobs as job_services
from accomplice.services import monitor
from accomplice.services.auth import (
    ANONYMOUS,
    ForbiddenError,
    Principal,
    add_user,
    issue_token,
    local_principal,
    operator_principal,
    owner_decision_org,
    update_user,
)
from accomplice.store import Store, migrate, open_store
from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.schema import metadata
from tests.helpers import BACKENDS, copy_of_store
from tests.monitor_data import CHANGED_DECIDED, OFAC_2023, OFAC_2024_SDN

OPERATOR = operator_principal("test")
PASSWORD = "a long enough password"
# Accounts of the test store: (name, role, organisation). The analyst has an organisation of its own, as
# analysts of a member state's agency do: it is still the enforcement side.
ACCOUNTS = (
    ("dec-ana", "analyst", "ngo"),
    ("dec-rev", "reviewer", "ngo"),
    ("dec-imp-a", "importer", "acme"),
    ("dec-imp-b", "importer", "other"),
    ("dec-imp-none", "importer", None),
)
# PAK Chun-San (EU, UK) also scores 0.8 against ISHIDA Shoroku on the OFAC list: a false positive.
PAK = {"name": "Chun-San PAK", "schema": "Person", "birth_date": "18/12/1953"}
PAK_FALSE_HIT = "ofac:16417"
# A bank the enforcement side dismisses for one screened name, with a note that is theirs alone.
BANK = {"name": "KORYO BANK", "schema": "Organization"}
ENFORCEMENT_NOTE = "internal: customs case 2024-117, informant says other bank"
IMPORTER_NOTE = "acme compliance: our supplier is a Japanese trading house"
# A job of two rows finishes in about a second; this bounds a hung worker, not the expected time.
JOB_SECONDS = 120
POLL = 0.05


@pytest.fixture(scope="module")
def orgs_store(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("orgdecisions") / "orgs.db")
    for name, role, org in ACCOUNTS:
        add_user(store, OPERATOR, name=name, roles=[role], org=org, password=PASSWORD)
    yield store
    store.close()


@pytest.fixture(scope="module")
def people(orgs_store: Store) -> dict[str, Principal]:
    return {name: local_principal(orgs_store, name) for name, _, _ in ACCOUNTS}


@pytest.fixture(scope="module")
def client(orgs_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(orgs_store)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def tokens(orgs_store: Store) -> dict[str, dict[str, str]]:
    return {
        name: {"Authorization": f"Bearer {issue_token(orgs_store, OPERATOR, user=name).secret}"}
        for name, _, _ in ACCOUNTS
    }


def _keys(matches: list[Match]) -> set[str]:
    return {k for m in matches for k in m.keys}


def _dismissed(matches: list[Match]) -> set[str]:
    """Keys of the matches shown as decided not a match (kept, with the decision)."""
    return {k for m in matches if m.decision == "no-match" for k in m.keys}


def _search(store: Store, principal: Principal, row: dict[str, str]) -> list[Match]:
    return services.screen_query(
        store, row["name"], schema=row["schema"], birth_date=row.get("birth_date"), principal=principal
    )


def _decide(
    store: Store, principal: Principal, row: dict[str, str], key: str, judgement: str, note: str
) -> None:
    services.decide(
        store,
        principal,
        name=row["name"],
        schema=row["schema"],
        birth_date=row.get("birth_date"),
        entity_key=key,
        judgement=judgement,
        reason=note,
    )


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["id", "name", "schema", "birth_date"])
    writer.writeheader()
    for i, row in enumerate(rows, start=1):
        writer.writerow({"id": str(i), "birth_date": "", **row})
    return out.getvalue().encode()


def _run_job(client: TestClient, headers: dict[str, str], rows: list[dict[str, str]]) -> int:
    submitted = client.post(
        "/api/jobs", headers=headers, files={"file": ("names.csv", _csv(rows), "text/csv")}
    )
    assert submitted.status_code == 201, submitted.text
    job_id = int(submitted.json()["id"])
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        state = client.get(f"/api/jobs/{job_id}", headers=headers).json()["state"]
        if state == "done":
            return job_id
        assert state in ("queued", "running"), state
        time.sleep(POLL)
    pytest.fail(f"job {job_id} did not finish in {JOB_SECONDS} s")


def _job_keys(client: TestClient, headers: dict[str, str], job_id: int) -> list[set[str]]:
    """Each row's keys still to review: a match decided not a match is kept, marked, and left out here."""
    lines = client.get(f"/api/jobs/{job_id}/results?format=jsonl", headers=headers).text.splitlines()
    return [
        {k for m in json.loads(line)["matches"] if m.get("decision") != "no-match" for k in m["keys"]}
        for line in lines
    ]


def _everything_shown(client: TestClient, headers: dict[str, str], job_id: int) -> str:
    """The job's JSONL and CSV downloads and its page, as the caller gets them."""
    parts = [
        client.get(f"/api/jobs/{job_id}/results?format={fmt}", headers=headers).text
        for fmt in ("jsonl", "csv")
    ]
    page = client.get(f"/batch/{job_id}", headers=headers)
    assert page.status_code == 200
    return "\n".join([*parts, page.text])


# -- the store -------------------------------------------------------------------------------------------


def _decision(org: str, judgement: str, minute: int) -> Decision:
    return Decision(
        "f" * 32,
        "Kim",
        "ofac:1",
        judgement,
        f"note {minute}",
        "u",
        "e" * 32,
        datetime(2026, 1, 1, 0, minute, tzinfo=UTC),
        org,
    )


@BACKENDS
def test_decisions_are_stored_and_read_per_organisation_append_only_and_audited(store: Store) -> None:
    for org, judgement, minute in (("", "no-match", 1), ("acme", "match", 2), ("acme", "no-match", 3)):
        store.add_decision(
            _decision(org, judgement, minute), AuditEntry("u", "decision.add", "ofac:1", {"org": org})
        )
    assert [(d.org, d.judgement) for d in store.decisions(org="acme")] == [
        ("acme", "match"),
        ("acme", "no-match"),
    ]
    assert [(d.org, d.judgement) for d in store.decisions(org="")] == [("", "no-match")]
    assert store.decisions(org="other") == []
    assert [d.org for d in store.decisions(org=None)] == ["", "acme", "acme"], "the full history"
    log = AuditLog(store)
    assert [e.detail["org"] for e in log.entries(action="decision.add")] == ["acme", "acme", ""]
    assert log.verify().ok


@BACKENDS
def test_migration_builds_the_decisions_table_exactly_as_the_schema_defines_it(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert [d for d in diffs if "decisions" in _tables_of(d)] == []


def _tables_of(diff: Any) -> set[str]:
    """The tables an Alembic autogenerate diff (one tuple, or a list of modify_* tuples) is about."""
    names = set()
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item[1:]:
            if isinstance(part, Table):
                names.add(part.name)
            elif (table := getattr(part, "table", None)) is not None:
                names.add(table.name)
            elif isinstance(part, str):
                names.add(part)
    return names


def test_decisions_recorded_before_the_migration_are_the_enforcement_sides(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}", upgrade=False)
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0007")
        conn.execute(
            text(
                "INSERT INTO decisions (query_fingerprint, query_text, entity_key, judgement, reason, "
                "\"user\", entity_fingerprint, created_at) VALUES ('f', 'Kim', 'ofac:1', 'no-match', 'old', "
                "'ana', 'e', '2026-01-01 00:00:00')"
            )
        )
    migrate.upgrade(store.engine)
    assert [(d.query_text, d.org) for d in store.decisions(org="")] == [("Kim", "")]
    store.close()


def test_an_objects_decisions_are_its_keepers_side_and_its_own_organisations(orgs_store: Store) -> None:
    add_user(orgs_store, OPERATOR, name="dec-mover", roles=["importer"], org="acme", password=PASSWORD)
    assert owner_decision_org(orgs_store, "dec-ana", "ngo") == "", "an analyst's: the shared decisions"
    assert owner_decision_org(orgs_store, "dec-mover", "acme") == "acme"
    update_user(orgs_store, OPERATOR, "dec-mover", org="other")
    assert owner_decision_org(orgs_store, "dec-mover", "acme") == "acme", "whose importers see the object"
    assert owner_decision_org(orgs_store, "dec-imp-none", None) is None
    assert owner_decision_org(orgs_store, "cli:root", None) == "", "the operator at the command line"
    assert owner_decision_org(orgs_store, "gone", "acme") == "acme", "no account: never the shared notes"


# -- searches -------------------------------------------------------------------------------------------


def test_an_importers_not_a_match_hides_the_hit_from_its_own_searches_only(
    orgs_store: Store, people: dict[str, Principal]
) -> None:
    importer = people["dec-imp-a"]
    assert PAK_FALSE_HIT in _keys(_search(orgs_store, importer, PAK))
    _decide(orgs_store, importer, PAK, PAK_FALSE_HIT, "no-match", IMPORTER_NOTE)
    assert PAK_FALSE_HIT in _dismissed(_search(orgs_store, importer, PAK)), "its own false positive, marked"
    for other in ("dec-imp-b", "dec-ana", "dec-rev"):
        hits = _search(orgs_store, people[other], PAK)
        assert PAK_FALSE_HIT in _keys(hits), f"{other} still sees the hit"
        assert PAK_FALSE_HIT not in _dismissed(hits), f"{other} is not told of acme's decision"
        assert IMPORTER_NOTE not in repr(hits)
    stored = orgs_store.decisions(org="acme", entity_key=PAK_FALSE_HIT)
    assert [(d.user, d.org, d.judgement) for d in stored] == [("dec-imp-a", "acme", "no-match")]
    assert orgs_store.decisions(org="", entity_key=PAK_FALSE_HIT) == []


def test_an_importer_without_organisation_neither_decides_nor_sees_decisions(
    orgs_store: Store, people: dict[str, Principal]
) -> None:
    with pytest.raises(ForbiddenError, match="no organisation"):
        _decide(orgs_store, people["dec-imp-none"], PAK, PAK_FALSE_HIT, "no-match", "x")
    _decide(
        orgs_store, people["dec-ana"], BANK, _best(orgs_store, people["dec-ana"]), "match", ENFORCEMENT_NOTE
    )
    for nobody in (people["dec-imp-none"], ANONYMOUS):
        hits = _search(orgs_store, nobody, BANK)
        assert ENFORCEMENT_NOTE not in repr(hits)
        assert all(m.decision is None for m in hits)


def _best(store: Store, principal: Principal) -> str:
    hits = _search(store, principal, BANK)
    assert hits, "KORYO BANK is listed"
    return hits[0].key


def test_importer_may_not_confirm_or_split_a_shared_trade_party(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    headers = tokens["dec-imp-a"]
    confirm = client.post("/api/parties/party:x/confirm", json={"entity": "ofac:16417"}, headers=headers)
    split = client.post("/api/parties/party:x/split", json={"reason": "no"}, headers=headers)
    assert (confirm.status_code, split.status_code) == (403, 403)


# -- jobs ------------------------------------------------------------------------------------------------


def test_enforcement_decision_and_its_note_never_reach_an_importers_job(
    client: TestClient, tokens: dict[str, dict[str, str]], orgs_store: Store, people: dict[str, Principal]
) -> None:
    analyst, importer = tokens["dec-ana"], tokens["dec-imp-a"]
    bank = _best(orgs_store, people["dec-imp-b"])
    before = _run_job(client, analyst, [BANK])
    assert bank in _job_keys(client, analyst, before)[0]
    decided = client.post(
        "/api/decisions",
        json={
            "job": before,
            "row": 1,
            "entity_key": bank,
            "judgement": "no-match",
            "reason": ENFORCEMENT_NOTE,
        },
        headers=analyst,
    )
    assert decided.status_code == 201, decided.text
    assert bank not in _job_keys(client, analyst, _run_job(client, analyst, [BANK]))[0], "enforcement's own"
    # The importer's own false positive (as in the search test above; here too, so as not to depend on it).
    _decide(orgs_store, people["dec-imp-a"], PAK, PAK_FALSE_HIT, "no-match", IMPORTER_NOTE)
    mine = _run_job(client, importer, [BANK, PAK])
    keys = _job_keys(client, importer, mine)
    assert bank in keys[0], "enforcement's not-a-match does not hide the hit from the importer"
    assert PAK_FALSE_HIT not in keys[1], "the importer's own not-a-match applies to its job"
    shown = _everything_shown(client, importer, mine)
    assert ENFORCEMENT_NOTE not in shown
    assert "dec-ana" not in shown
    assert IMPORTER_NOTE not in _everything_shown(
        client, tokens["dec-imp-b"], _run_job(client, tokens["dec-imp-b"], [PAK])
    )
    views, _ = job_services.job_results(orgs_store, people["dec-imp-a"], mine)
    assert all(m.decision is None for m in views[0].matches), "the enforcement decision is not shown"


def test_an_importer_cannot_overturn_the_enforcement_sides_decision(
    client: TestClient, tokens: dict[str, dict[str, str]], orgs_store: Store, people: dict[str, Principal]
) -> None:
    analyst, importer = tokens["dec-ana"], tokens["dec-imp-a"]
    job = _run_job(client, importer, [PAK])
    overturn = {"job": job, "row": 1, "entity_key": "", "judgement": "no-match", "reason": "hide it"}
    hits = _search(orgs_store, people["dec-ana"], PAK)
    overturn["entity_key"] = hits[0].key
    assert client.post("/api/decisions", json=overturn, headers=importer).status_code == 201
    assert hits[0].key in _keys(_search(orgs_store, people["dec-ana"], PAK)), "enforcement still sees it"
    assert hits[0].key in _job_keys(client, analyst, _run_job(client, analyst, [PAK]))[0]
    enforcement_view, _ = job_services.job_results(orgs_store, people["dec-ana"], job)
    assert all(m.decision is None for m in enforcement_view[0].matches), "their job, but not their decision"
    importer_view, _ = job_services.job_results(orgs_store, people["dec-imp-a"], job)
    assert {m.decision.user for m in importer_view[0].matches if m.decision} == {"dec-imp-a"}


# -- watchlists ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Iterator[Store]:
    """OFAC 2023-12-28; an analyst's and an importer's watchlists both hold Wang Guoying, whom the analyst
    decided is another person (with an internal note); then OFAC 2024-05-03 changes her entry."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('watched') / 'accomplice.db'}")
    for name, role, org in ACCOUNTS:
        add_user(store, OPERATOR, name=name, roles=[role], org=org, password=PASSWORD)
    services.load_list(store, "ofac", raw_dir / OFAC_2023, data_date="2023-12-28")
    row, key = CHANGED_DECIDED
    for name in ("dec-ana", "dec-imp-a"):
        owner = local_principal(store, name)
        watchlist = monitor.create_watchlist(store, owner, "Counterparties")
        monitor.add_entries(store, owner, watchlist.id, [{"id": "t1", **row}])
    services.decide(
        store,
        local_principal(store, "dec-ana"),
        name=row["name"],
        birth_date=row["birth_date"],
        entity_key=key,
        judgement="no-match",
        reason=ENFORCEMENT_NOTE,
    )
    services.load_list(store, "ofac", raw_dir / OFAC_2024_SDN, data_date="2024-05-03")
    yield store
    store.close()


def test_watchlist_alerts_carry_only_their_owners_decisions(watched: Store) -> None:
    analyst = local_principal(watched, "dec-ana")
    importer = local_principal(watched, "dec-imp-a")
    key = CHANGED_DECIDED[1]
    # Each watchlist also has the "new" alert of the entry's first screening; the import's is "changed".
    (mine,) = [
        a
        for a in monitor.alerts(watched, analyst)
        if a.org == "ngo" and a.entity_key == key and a.kind == "changed"
    ]
    assert any("decide again" in line for line in mine.explanation), "the analyst's decision is outdated"
    assert any(ENFORCEMENT_NOTE in line for line in mine.explanation)
    (theirs,) = [a for a in monitor.alerts(watched, importer) if a.entity_key == key and a.kind == "changed"]
    assert theirs.org == "acme"
    assert not any("decide again" in line or ENFORCEMENT_NOTE in line for line in theirs.explanation)
    (watchlist,) = monitor.watchlists(watched, importer)
    with TestClient(create_app(watched)) as client:
        headers = {"Authorization": f"Bearer {issue_token(watched, OPERATOR, user='dec-imp-a').secret}"}
        urls = ("/api/alerts", "/alerts", f"/api/watchlists/{watchlist.id}", f"/watchlists/{watchlist.id}")
        for url in urls:
            shown = client.get(url, headers=headers)
            assert shown.status_code == 200, url
            assert key in shown.text or "Wang" in shown.text, f"{url} shows the match"
            assert ENFORCEMENT_NOTE not in shown.text, url
            assert "dec-ana" not in shown.text, url
