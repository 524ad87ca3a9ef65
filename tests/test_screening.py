"""Screening against real lists: golden cases, the CLI contract, the library call, decisions."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import accomplice
from accomplice import services
from accomplice.matching import Match
from accomplice.services.auth import ANONYMOUS, AuthError, ForbiddenError, Permission, Principal, Role
from accomplice.store import Store
from accomplice.store.audit import AuditLog
from tests.helpers import copy_of_store

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "screening.yaml").read_text("utf-8")
)


@pytest.fixture(scope="module")
def index(screening_store: Store) -> services.ScreeningIndex:
    return services.screening_index(screening_store)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_screening_case(index: services.ScreeningIndex, case: dict[str, Any]) -> None:
    record = services.ScreeningRecord("1", case["name"], case.get("schema"), imo=case.get("imo"))
    matches = services.screen_record(index, record)
    if not case["expect"]:
        assert matches == [], f"{case['reason']}: {[(m.key, m.score, m.explanation) for m in matches]}"
        return
    assert matches, f"nothing found — {case['reason']}"
    assert set(case["expect"]) & set(matches[0].keys), (
        f"{case['reason']}: best was {matches[0].keys} {matches[0].caption} {matches[0].explanation}"
    )
    assert matches[0].explanation
    assert all(line.strip() for line in matches[0].explanation)


def test_one_result_per_real_world_entity_lists_every_key(index: services.ScreeningIndex) -> None:
    matches = services.screen_record(index, services.ScreeningRecord("1", "CHON MYONG 1", "Vessel"))
    keys = [set(m.keys) for m in matches]
    assert any({"ofac:23736", "uk:13623"} <= k for k in keys) or any(len(k) > 1 for k in keys)
    clusters = [m.keys[0] for m in matches]
    assert len(clusters) == len(set(clusters))


def _accomplice() -> str:
    found = shutil.which("accomplice", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the accomplice console script is not installed next to this Python")
    return found


DONE_WHEN = [
    ("1", "김정은", "ofac:20157"),
    ("2", "金正恩", "ofac:20157"),
    ("3", "Ким Чен Ын", "ofac:20157"),
    ("4", "Gim Jeong-eun", "ofac:20157"),
    ("5", "丹东鸿祥实业发展有限公司", "ofac:20564"),
    ("6", "ООО Гудзон", "ofac:24451"),
    ("7", "지성 6호", "ofac:23738"),
    ("8", "Kim Jong Il", None),
]


def test_cli_screen_writes_one_json_line_per_row_in_input_order(
    screening_store: Store, tmp_path: Path
) -> None:
    source = tmp_path / "names.csv"
    source.write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n, _ in DONE_WHEN), encoding="utf-8")
    output = tmp_path / "hits.jsonl"
    result = subprocess.run(
        [
            _accomplice(),
            "--db",
            screening_store.engine.url.render_as_string(hide_password=False),
            "screen",
            str(source),
            "--output",
            str(output),
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [i for i, _, _ in DONE_WHEN]
    for line, (_, name, expected) in zip(lines, DONE_WHEN, strict=True):
        if expected is None:
            assert line["matches"] == [], name
            continue
        best = line["matches"][0]
        assert expected in best["keys"], (name, best)
        assert set(best) >= {"key", "keys", "score", "schema", "caption", "explanation"}
        assert 0 <= best["score"] <= 1
        assert best["explanation"]


def test_cli_screen_csv_flattens_the_best_match(screening_store: Store, tmp_path: Path) -> None:
    source = tmp_path / "names.jsonl"
    source.write_text(
        '{"id": "a", "name": "KOREA DAESONG BANK"}\n{"id": "b", "name": "Nobody Atall"}\n', "utf-8"
    )
    result = subprocess.run(
        [
            _accomplice(),
            "--db",
            screening_store.engine.url.render_as_string(hide_password=False),
            "screen",
            str(source),
            "--format",
            "csv",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(services.CSV_RESULT_COLUMNS)
    assert rows[0]["id"] == "a"
    assert "ofac:12312" in rows[0]["keys"].split(";")
    assert float(rows[0]["score"]) == 1.0
    assert rows[0]["explanation"]
    assert (rows[1]["id"], rows[1]["matches"], rows[1]["key"]) == ("b", "0", "")


def test_cli_screen_reports_a_file_without_a_name_column(screening_store: Store, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("id,fullname\n1,Kim\n", encoding="utf-8")
    result = subprocess.run(
        [
            _accomplice(),
            "--db",
            screening_store.engine.url.render_as_string(hide_password=False),
            "screen",
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "bad.csv:1: missing column(s) name" in result.stderr


def test_library_screen_returns_results_in_input_order(screening_store: Store) -> None:
    results = accomplice.screen(
        [{"id": "x", "name": "김정은"}, {"id": "y", "name": "Patricia Lucas Wheeler"}], store=screening_store
    )
    assert [r.id for r in results] == ["x", "y"]
    assert "ofac:20157" in results[0].matches[0].keys
    assert results[1].matches == ()
    assert "ofac:23738" in accomplice.screen_name("지성 6호", store=screening_store)[0].keys


PUBLIC_API = [
    "AccompliceError",
    "InputError",
    "Match",
    "NotFoundError",
    "OfflineError",
    "ScreeningRecord",
    "ScreeningResult",
    "Store",
    "__version__",
    "load_list",
    "load_shared",
    "open_store",
    "screen",
    "screen_name",
    "trace",
]


def test_public_api_is_exactly_the_curated_set_and_sorted() -> None:
    assert accomplice.__all__ == PUBLIC_API
    for name in accomplice.__all__:
        assert hasattr(accomplice, name), name


def _analyst(name: str) -> Principal:
    return Principal(name, frozenset({Role.ANALYST}), None)


def _keys(matches: list[Match]) -> set[str]:
    return {k for m in matches for k in m.keys}


def _dismissed_keys(matches: list[Match]) -> set[str]:
    """The keys of the matches decided not a match, which screening keeps (last) with their decision."""
    return {m.key for m in matches if m.decision == "no-match" and m.decided is not None}


def test_decisions_override_scores_and_are_remembered(screening_store: Store) -> None:
    index = services.screening_index(screening_store)
    record = services.ScreeningRecord("1", "KIM Jong Un", "Person")
    assert services.screen_record(index, record)[0].key == "ofac:20157"
    services.decide(
        screening_store,
        _analyst("analyst1"),
        name="KIM Jong Un",
        schema="Person",
        entity_key="ofac:20157",
        judgement="no-match",
        reason="our customer is born 1990",
        index=index,
    )
    assert _dismissed_keys(services.screen_record(index, record)) == {"ofac:20157"}
    assert "ofac:20157" not in _keys(services.screen_record(index, record, hide_decided=True))
    # a fresh index (another process, a restart) reads the decision from the store
    fresh = services.build_screening_index(screening_store)
    assert _dismissed_keys(services.screen_record(fresh, record)) == {"ofac:20157"}
    # decisions are append-only: a later decision wins, the earlier one stays on record
    services.decide(
        screening_store,
        _analyst("analyst2"),
        name="KIM Jong Un",
        schema="Person",
        entity_key="ofac:20157",
        judgement="match",
        reason="second look",
        index=index,
    )
    best = services.screen_record(index, record)[0]
    assert best.key == "ofac:20157"
    assert best.score == 1.0
    assert best.decision == "match"
    assert "analyst2" in best.explanation[0]
    history = screening_store.decisions(org="", entity_key="ofac:20157")
    assert [d.judgement for d in history] == ["no-match", "match"]


def test_decision_taken_in_another_process_applies_within_the_freshness_period(
    screening_store: Store, tmp_path: Path
) -> None:
    store = copy_of_store(screening_store, tmp_path / "lists.db")
    record = services.ScreeningRecord("1", "Kim Jong Un", "Person")
    assert services.screen_record(services.screening_index(store), record)[0].key == "ofac:20157"
    accomplice = Path(sys.executable).with_name("accomplice")
    subprocess.run(
        [
            *(str(accomplice), "--db", store.url, "decide", "Kim Jong Un", "ofac:20157", "no-match"),
            *("--schema", "Person", "--reason", "our customer is born 1990", "--user", "cli-analyst"),
        ],
        check=True,
        capture_output=True,
    )
    time.sleep(services.FRESHNESS_SECONDS)
    index = services.screening_index(store)
    (dismissed,) = [m for m in services.screen_record(index, record) if m.decision == "no-match"]
    assert dismissed.key == "ofac:20157"
    assert dismissed.decided is not None
    assert dismissed.decided.user == "cli:cli-analyst"
    store.close()


def test_confirmed_match_below_the_threshold_is_brought_back(screening_store: Store) -> None:
    index = services.screening_index(screening_store)
    record = services.ScreeningRecord("1", "Kim J U", "Person")
    assert "ofac:20157" not in {m.key for m in services.screen_record(index, record)}
    services.decide(
        screening_store,
        _analyst("analyst"),
        name="Kim J U",
        schema="Person",
        entity_key="ofac:20157",
        judgement="match",
        reason="same passport",
        index=index,
    )
    assert services.screen_record(index, record)[0].key == "ofac:20157"


def test_decision_needs_a_known_judgement_and_an_analyst(screening_store: Store) -> None:
    analyst = _analyst("a")
    why = {"reason": "why"}
    with pytest.raises(accomplice.InputError):
        services.decide(screening_store, analyst, name="x", entity_key="ofac:20157", judgement="maybe", **why)
    with pytest.raises(AuthError):
        services.decide(
            screening_store, ANONYMOUS, name="x", entity_key="ofac:20157", judgement="match", **why
        )
    with pytest.raises(accomplice.NotFoundError):
        services.decide(screening_store, analyst, name="x", entity_key="ofac:0", judgement="match", **why)


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_decision_without_a_reason_is_refused_and_not_recorded(screening_store: Store, reason: str) -> None:
    before = len(screening_store.decisions(org=None))
    with pytest.raises(accomplice.InputError, match="needs a reason"):
        services.decide(
            screening_store,
            _analyst("a"),
            name="Kim Jong Un",
            entity_key="ofac:20157",
            judgement="no-match",
            reason=reason,
        )
    assert len(screening_store.decisions(org=None)) == before


def test_decision_needs_the_decide_permission(screening_store: Store) -> None:
    researcher = Principal("r", frozenset({Role.RESEARCHER}), None)
    scoped = Principal("a", frozenset({Role.ANALYST}), None, scopes=frozenset({Permission.SCREEN}))
    for principal in (researcher, scoped):
        with pytest.raises(ForbiddenError):
            services.decide(
                screening_store, principal, name="x", entity_key="ofac:20157", judgement="match", reason="y"
            )


def test_decision_is_audited_in_its_transaction(screening_store: Store) -> None:
    log = AuditLog(screening_store)
    before = log.count()
    services.decide(
        screening_store,
        _analyst("auditee"),
        name="Kim Jong Un",
        entity_key="ofac:20157",
        judgement="match",
        reason="same DOB",
    )
    entry = log.entries(limit=1)[0]
    assert log.count() == before + 1
    assert (entry.actor, entry.action, entry.subject) == ("auditee", "decision.add", "ofac:20157")
    assert entry.detail["judgement"] == "match"
    assert log.verify().ok
