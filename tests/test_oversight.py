"""The COI tracker, the dashboards and the briefs (issue 16), on the shared data.

Statuses follow only from dated, sourced events; an event without a source is refused; the tracker and the
public statistics need no login and show public facts only; an organisation's activity is its own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from accomplice.api import create_app
from accomplice.cli.app import app as cli
from accomplice.errors import InputError
from accomplice.oversight import CoiEvent, EventLink, EventSource, derive_status, validate_event
from accomplice.services import dashboards, monitor, oversight
from accomplice.services.auth import (
    AuthError,
    ForbiddenError,
    Principal,
    Role,
    add_user,
    audit_entries,
    issue_token,
    operator_principal,
)
from accomplice.services.list_twins import list_twins
from accomplice.settings import get_settings
from accomplice.store import Store, open_store
from accomplice.store.schema import entity_lists, metadata
from accomplice.store.schema_oversight import coi_events
from tests.helpers import BACKENDS, copy_of_store

OPERATOR = operator_principal("test")


@pytest.fixture(scope="session")
def coi_file() -> Path:
    path = get_settings().shared_dir / "data" / "accountability" / "coi_recommendations.json"
    if not path.is_file():
        pytest.fail(f"{path} is missing (the shared accountability data)")
    return path


def _event(**changes: object) -> CoiEvent:
    base: dict[str, object] = {
        "id": "e",
        "at": "2024-04-26",
        "precision": "day",
        "relation": "contravenes",
        "summary": "China returns people to the DPRK",
        "bears_on": ("90a",),
        "source": EventSource("HRW", "https://www.hrw.org/"),
    }
    base.update(changes)
    return CoiEvent(**base)  # type: ignore[arg-type]


# -- the rule (pure) ------------------------------------------------------------------------------------


def test_status_follows_from_the_events_and_context_never_counts() -> None:
    assert derive_status([]) == "no_recorded_action"
    assert derive_status([_event(relation="context")]) == "no_recorded_action"
    assert derive_status([_event(relation="partially_advances")]) == "partially_advanced"
    assert derive_status([_event(relation="partially_advances"), _event(relation="advances")]) == "advanced"
    assert derive_status([_event(relation="contravenes")]) == "contravened"
    assert derive_status([_event(relation="contravenes"), _event(relation="advances")]) == "mixed"


def test_an_event_without_a_source_is_refused() -> None:
    problems = validate_event(_event(source=EventSource("", "")), ["90a"], {"90a": 5})
    assert any(p.startswith("source_title") for p in problems)
    assert any(p.startswith("source_url") for p in problems)
    assert validate_event(_event(source=EventSource("A page", "javascript:alert(1)")), ["90a"], {"90a": 5})
    assert validate_event(_event(), ["90a"], {"90a": 5}) == []
    assert validate_event(_event(bears_on=("99z",)), ["90a"], {"90a": 5})
    assert validate_event(_event(at="2024-13-01"), ["90a"], {"90a": 5})


# -- store and use cases, both backends -----------------------------------------------------------------


@BACKENDS
def test_the_oversight_migration_builds_the_tables_exactly_as_the_schema_defines_them(
    store: Store,
) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert [d for d in diffs if "coi_" in repr(d)] == []


@BACKENDS
def test_the_shared_tracker_loads_whole_and_90a_shows_its_asks_events_and_incidents(
    store: Store, coi_file: Path
) -> None:
    report = oversight.load_coi(store, OPERATOR, coi_file)
    assert (report.items, report.asks, report.events) == (38, 129, 19)
    view = oversight.coi_item(store, "90(a)")
    assert view.item.addressee == "China and other States"
    assert len(view.item.asks) == 5
    assert view.item.text_is_summary
    assert [e.at for e in view.events] == sorted(e.at for e in view.events)
    assert "FU-2023-10-09-CN-MASS-REPATRIATION" in {e.id for e in view.events}
    assert EventLink("incident", "INC-2023-10-09-CN-REPATRIATION") in {
        k for e in view.events for k in e.links
    }
    assert view.status == "mixed"  # contrary returns, and the GA's and HRC's non-refoulement language
    verbatim = oversight.coi_item(store, "89a")
    assert not verbatim.item.text_is_summary
    # Loading again replaces the file's events and keeps the count (no duplicates).
    oversight.load_coi(store, OPERATOR, coi_file)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(coi_events)).scalar_one() == 19
    assert [e.id for e in oversight.events_linking(store, "incident", "INC-2024-04-26-CN-REPATRIATION")] == [
        "FU-2024-04-26-CN-REPATRIATION"
    ]


@BACKENDS
def test_a_status_changes_only_through_a_sourced_event_and_only_with_the_permission(
    store: Store, coi_file: Path
) -> None:
    oversight.load_coi(store, OPERATOR, coi_file)
    assert oversight.coi_item(store, "89a").status == "no_recorded_action"
    unsourced = oversight.NewEvent("2026-11-30", "advances", "A reform", ("89a",), "", "")
    with pytest.raises(InputError, match="source"):
        oversight.add_coi_event(store, OPERATOR, unsourced)
    analyst = Principal("ana", frozenset({Role.ANALYST}), None)
    sourced = oversight.NewEvent(
        "2026-11-30",
        "partially_advances",
        "A partial reform",
        ("89a",),
        "Report",
        "https://example.org/r",
        asks=(("89a", 2),),
    )
    with pytest.raises(ForbiddenError):
        oversight.add_coi_event(store, analyst, sourced)
    with pytest.raises(AuthError):
        oversight.add_coi_event(store, Principal(None, frozenset(), None), sourced)
    assert oversight.coi_item(store, "89a").status == "no_recorded_action"
    staff = Principal("staffer", frozenset({Role.OVERSIGHT}), None)
    recorded = oversight.add_coi_event(store, staff, sourced)
    view = oversight.coi_item(store, "89a")
    assert view.status == "partially_advanced"
    assert view.ask_statuses[1] == "partially_advanced"
    assert view.ask_statuses[0] == "no_recorded_action"
    assert recorded.created_by == "staffer"
    assert not recorded.verified
    # As of a day before the event, nothing had happened.
    assert oversight.coi_item(store, "89a", "2026-11-29").status == "no_recorded_action"
    actions = [r.action for r in audit_entries(store, OPERATOR)]
    assert "coi.event.add" in actions
    assert "coi.load" in actions


@BACKENDS
def test_the_ten_year_review_report_counts_items_and_asks_as_of_its_day(store: Store, coi_file: Path) -> None:
    oversight.load_coi(store, OPERATOR, coi_file)
    early = oversight.progress_report(store, "2014-12-31")
    review = oversight.progress_report(store, "2024-12-31")
    assert sum(n for _, n in review.by_status) == 38
    assert sum(n for _, n in review.asks_by_status) == 129
    assert all(e.at <= "2024-12-31" for e in review.events)
    assert len(early.events) < len(review.events)
    assert dict(early.by_status)["no_recorded_action"] > dict(review.by_status)["no_recorded_action"]
    with pytest.raises(InputError):
        oversight.progress_report(store, "the tenth year")


def test_a_bad_tracker_file_names_the_record_and_loads_nothing(tmp_path: Path, coi_file: Path) -> None:
    data = json.loads(coi_file.read_text(encoding="utf-8"))
    data["followups"][3]["source_url"] = ""
    bad = tmp_path / "coi.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    with pytest.raises(InputError, match=r"followups\[3\].*source_url"):
        oversight.load_coi(store, OPERATOR, bad)
    assert oversight.coi_items(store) == []
    store.close()


# -- dashboards on the real lists -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def lists_store(
    screening_store: Store, tmp_path_factory: pytest.TempPathFactory, coi_file: Path
) -> Iterator[Store]:
    # The gap chart groups entries across lists as the screening index clusters them; the clusters are kept
    # per list content, so building them once on the shared store serves every copy of it.
    list_twins(screening_store, ["un:KPi.029"])
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("oversight") / "s.db")
    oversight.load_coi(store, OPERATOR, coi_file)
    yield store
    store.close()


def test_designations_per_year_count_every_entry_of_each_list(lists_store: Store) -> None:
    chart = dashboards.chart(lists_store, Principal(None, frozenset(), None), "designations-by-year")
    with lists_store.engine.connect() as conn:
        per_list = dict(
            conn.execute(
                select(entity_lists.c.list_name, func.count()).group_by(entity_lists.c.list_name)
            ).all()
        )
    totals = {s.name: sum(s.values) for s in chart.series}
    assert totals["UN"] == per_list["un"]
    assert totals["UK"] == per_list["uk"]
    assert totals["OFAC"] == per_list["ofac"]
    # OFAC publishes no listing dates: its entries are all under "no date", none under a year.
    ofac = next(s for s in chart.series if s.name == "OFAC")
    assert chart.categories[-1] == "no date"
    assert ofac.values[-1] == per_list["ofac"]
    csv_lines = dashboards.chart_table_csv(chart).splitlines()
    assert csv_lines[0] == "year,UN,OFAC,EU,UK"
    assert len(csv_lines) == len(chart.categories) + 1


def test_the_gap_and_country_charts_are_public_and_activity_is_not(lists_store: Store) -> None:
    anonymous = Principal(None, frozenset(), None)
    public = {p.id for p in dashboards.chart_providers(anonymous)}
    assert {"designations-china", "designations-russia", "designation-gap"} <= public
    assert "screening-activity" not in public
    gap = dashboards.chart(lists_store, anonymous, "designation-gap")
    assert gap.kind == "line"
    assert all(list(s.values) == sorted(s.values) for s in gap.series)
    china = dashboards.chart(lists_store, anonymous, "designations-china")
    assert sum(china.series[0].values) >= 1  # the UN lists Chinese firms and people


def test_an_organisation_sees_only_its_own_screening_activity(lists_store: Store, tmp_path: Path) -> None:
    store = copy_of_store(lists_store, tmp_path / "orgs.db")
    for org in ("alpha", "beta"):
        add_user(store, OPERATOR, name=f"imp-{org}", roles=["importer"], org=org)
        importer = Principal(f"imp-{org}", frozenset({Role.IMPORTER}), org)
        watchlist = monitor.create_watchlist(store, importer, f"{org} list")
        rows = [{"id": str(i), "name": f"Trading company {i}"} for i in range(3 if org == "alpha" else 5)]
        monitor.add_entries(store, importer, watchlist.id, rows)
    alpha = Principal("imp-alpha", frozenset({Role.IMPORTER}), "alpha")
    chart = dashboards.chart(store, alpha, "screening-activity")
    entries = next(s for s in chart.series if s.name == "watchlist entries added")
    assert sum(entries.values) == 3
    assert "alpha" in chart.title
    with pytest.raises(AuthError):
        dashboards.chart(store, Principal(None, frozenset(), None), "screening-activity")
    store.close()


# -- interfaces -----------------------------------------------------------------------------------------


def test_public_pages_and_reads_show_the_tracker_without_login_and_nothing_else(lists_store: Store) -> None:
    app = create_app(lists_store, warm_index=False)
    with TestClient(app) as client:
        page = client.get("/coi/items/90a")
        assert page.status_code == 200
        assert "Respect non-refoulement" in page.text
        assert "INC-2023-10-09-CN-REPATRIATION" in page.text
        assert "summary" in page.text
        assert "Add a sourced event" not in page.text
        assert client.get("/coi/items/89a").text.count("verbatim") >= 1
        assert client.get("/coi").status_code == 200
        assert client.get("/coi/addressees/china-and-other-states").status_code == 200
        assert client.get("/coi/report?as_of=2024-12-31").status_code == 200
        assert client.get("/coi/report.pdf").content.startswith(b"%PDF")
        stats = client.get("/stats")
        assert stats.status_code == 200
        assert "designation-gap" in stats.text
        assert "screening-activity" not in stats.text
        as_json = client.get("/api/stats/designations-by-year").json()
        as_csv = client.get("/api/stats/designations-by-year.csv").text.splitlines()
        assert as_csv[0].split(",")[1:] == [s["name"] for s in as_json["series"]]
        assert client.get("/api/stats/screening-activity").status_code == 401
        item = client.get("/api/coi/items/90a").json()
        assert item["addressee"] == "China and other States"
        assert len(item["asks"]) == 5
        # Writes and briefs need an account.
        body = {
            "at": "2026-01-01",
            "relation": "advances",
            "event": "x",
            "bears_on": ["90a"],
            "source_title": "t",
            "source_url": "https://example.org",
        }
        assert client.post("/api/coi/events", json=body).status_code == 401
        assert client.get("/briefs/file?topic=china").status_code == 401


def test_oversight_staff_add_an_event_over_the_api_and_a_sourceless_one_is_refused(
    lists_store: Store, tmp_path: Path
) -> None:
    store = copy_of_store(lists_store, tmp_path / "api.db")
    add_user(store, OPERATOR, name="staffer", roles=["oversight"])
    add_user(store, OPERATOR, name="analyst1", roles=["analyst"])
    staff = issue_token(store, OPERATOR, user="staffer", name="t").secret
    analyst = issue_token(store, OPERATOR, user="analyst1", name="t").secret
    body = {
        "at": "2026-11-02",
        "relation": "contravenes",
        "event": "Returns from Jilin",
        "bears_on": ["90a"],
        "source_title": "",
        "source_url": "",
        "links": [{"kind": "incident", "ref": "INC-X"}],
    }
    with TestClient(create_app(store, warm_index=False)) as client:
        refused = client.post("/api/coi/events", json=body, headers={"Authorization": f"Bearer {staff}"})
        assert refused.status_code == 422
        assert "source" in refused.text
        sourced = {**body, "source_title": "Daily NK", "source_url": "https://www.dailynk.com/english/"}
        forbidden = client.post(
            "/api/coi/events", json=sourced, headers={"Authorization": f"Bearer {analyst}"}
        )
        assert forbidden.status_code == 403
        made = client.post("/api/coi/events", json=sourced, headers={"Authorization": f"Bearer {staff}"})
        assert made.status_code == 201
        assert made.json()["links"][0]["kind"] == "incident"
        events = client.get("/api/coi/items/90a").json()["events"]
        assert events[-1]["source_url"] == "https://www.dailynk.com/english/"
    store.close()


def test_the_cli_loads_shows_adds_and_makes_a_brief(
    lists_store: Store, tmp_path: Path, coi_file: Path
) -> None:
    store = copy_of_store(lists_store, tmp_path / "cli.db")
    url = store.url
    store.close()
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--db", url, *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    assert "38 items, 129 asks and 19" in run("coi", "load", str(coi_file))
    shown = json.loads(run("coi", "show", "90a", "--json"))
    assert {"id", "addressee", "asks", "status", "events"} <= set(shown)
    assert shown["id"] == "90a"
    assert len(shown["asks"]) == 5
    assert all({"at", "relation", "source_title", "source_url"} <= set(e) for e in shown["events"])
    refused = runner.invoke(
        cli,
        [
            "--db",
            url,
            "coi",
            "event",
            "add",
            "--item",
            "89a",
            "--at",
            "2026-01-01",
            "--relation",
            "advances",
            "--event",
            "x",
        ],
    )
    # `accomplice` (cli.app.main) prints an AccompliceError as one line; the runner hands it back.
    assert refused.exit_code != 0
    assert isinstance(refused.exception, InputError)
    assert "source" in str(refused.exception)
    run(
        "coi",
        "event",
        "add",
        "--item",
        "89a",
        "--at",
        "2026-01-01",
        "--relation",
        "advances",
        "--event",
        "A reform",
        "--source-title",
        "A report",
        "--source-url",
        "https://example.org/report",
    )
    assert json.loads(run("coi", "show", "89a", "--json"))["status"] == "advanced"
    # The README's examples.
    review = json.loads(run("coi", "list", "--as-of", "2024-12-31", "--json"))
    assert len(review) == 38
    assert next(i for i in review if i["id"] == "89a")["status"] == "no_recorded_action"
    china = run("brief", "--topic", "china", "--as-of", "2026-12-01", "--out", str(tmp_path / "china"))
    assert "brief-china-2026-12-01.docx" in china.replace("\n", "")
    # A Russian brief names its targets in Cyrillic too (the EU writes Oleg Kozhemyako's name in it).
    run("brief", "--topic", "russia", "--as-of", "2026-12-01", "--out", str(tmp_path / "russia"))
    russia = tmp_path / "russia" / "brief-russia-2026-12-01.pdf"
    russian = subprocess.run(
        ["pdftotext", str(russia), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "КОЖЕМЯКО" in russian
    out = tmp_path / "briefs"
    printed = run("brief", "--topic", "90a", "--as-of", "2026-12-01", "--out", str(out))
    pdf = out / "brief-90a-2026-12-01.pdf"
    assert str(pdf) in printed.replace("\n", "")
    assert (out / "brief-90a-2026-12-01.docx").stat().st_size > 5000
    # The figures and text render with CJK: the Japanese source's title comes back out of the PDF.
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    assert "朝鮮民主主義人民共和国" in text
    assert "non-refoulement" in text
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
        )
        assert any(tmp_path.glob("p*.png"))
