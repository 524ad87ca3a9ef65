"""§321(b) cases: the flow's rules, the import of dated histories (refused whole, naming the line), the CLI
contract of `accomplice cases` and `accomplice register`, and the seed from the shared enforcement actions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from accomplice.cases import CaseEvent, CaseState, FlowError, apply, fiscal_year, is_overdue, replay
from accomplice.cases.checks import mass_balance, payee_findings
from accomplice.cases.hs import hs_heading, hs_section
from accomplice.errors import InputError
from accomplice.services import case_import, case_stats, cases, register
from accomplice.services.auth import operator_principal
from accomplice.settings import get_settings
from accomplice.store import Store, open_store

OPERATOR = operator_principal("tester")
DANDONG_HISTORY = """case,at,kind,note,party,outcome
DH-2020,2020-12-23,detained,Two entries detained at Newark,"Dandong Huayang Textiles and Garments Co., Ltd.",
DH-2020,2021-01-14,response,Updated CF-28 answers with recruitment documents and payroll,Poof Apparel,
DH-2020,2021-01-22,decided,Entry excluded: prohibited under 19 U.S.C. 1307,,excluded
DH-2020,2021-01-26,decided,Entry excluded: prohibited under 19 U.S.C. 1307,,excluded
DH-2020,2021-02-04,protested,Protest and application for further review,Poof Apparel,
DH-2020,2021-03-05,ruled,Ruling H317249: protest denied,,
"""


def enforcement_actions() -> Path:
    return get_settings().shared_dir / "data" / "accountability" / "enforcement_actions.csv"


def _at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'cases.db'}")


# -- the flow ---------------------------------------------------------------------------------------------


def test_a_detention_gives_thirty_days_to_answer_and_is_overdue_after() -> None:
    state = apply(CaseState(), CaseEvent(_at("2020-12-23"), "detained"))
    assert state.deadline == date(2021, 1, 22)
    assert not is_overdue(state, date(2021, 1, 22))
    assert is_overdue(state, date(2021, 1, 23))
    answered = apply(state, CaseEvent(_at("2021-01-14"), "response"))
    assert not is_overdue(answered, date(2021, 6, 1))


def test_a_step_the_state_does_not_allow_is_refused_naming_the_allowed_ones() -> None:
    state = apply(CaseState(), CaseEvent(_at("2020-12-23"), "detained"))
    with pytest.raises(FlowError, match="allowed: information-requested, response, decided"):
        apply(state, CaseEvent(_at("2021-01-01"), "protested"))


def test_a_protest_after_180_days_is_refused() -> None:
    state = replay(
        [
            CaseEvent(_at("2020-12-23"), "detained"),
            CaseEvent(_at("2021-01-22"), "decided", outcome="excluded"),
        ]
    )
    assert apply(state, CaseEvent(_at("2021-07-21"), "protested")).state == "protested"
    with pytest.raises(FlowError, match="until 2021-07-21"):
        apply(state, CaseEvent(_at("2021-07-22"), "protested"))


def test_an_accepted_rebuttal_waits_for_a_second_reviewer_who_is_not_the_decider() -> None:
    state = replay(
        [
            CaseEvent(_at("2023-01-02"), "detained", by="officer"),
            CaseEvent(_at("2023-01-20"), "response", by="importer"),
            CaseEvent(_at("2023-02-01"), "decided", by="officer", outcome="released-rebutted"),
        ]
    )
    assert state.state == "approval-pending"
    with pytest.raises(FlowError, match="second reviewer"):
        apply(state, CaseEvent(_at("2023-02-02"), "approved", by="officer"))
    approved = apply(state, CaseEvent(_at("2023-02-02"), "approved", by="reviewer"))
    assert (approved.state, approved.approved_by) == ("decided", "reviewer")


def test_events_out_of_date_order_are_refused() -> None:
    state = apply(CaseState(), CaseEvent(_at("2021-01-10"), "detained"))
    with pytest.raises(FlowError, match="date order"):
        apply(state, CaseEvent(_at("2021-01-09"), "response"))


def test_the_fiscal_year_starts_in_october() -> None:
    assert fiscal_year(date(2020, 12, 23)) == 2021
    assert fiscal_year(date(2021, 9, 30)) == 2021
    assert fiscal_year(date(2021, 10, 1)) == 2022


def test_hs_codes_group_into_sections_and_headings() -> None:
    assert hs_section("6110.20.20") == "XI Textiles and textile articles"
    assert hs_heading("6110.20.20") == "6110"
    assert hs_section("0304") == "I Live animals; animal products"
    assert hs_section("") == "unknown"


def test_mass_balance_flags_a_stage_that_puts_out_more_than_went_in() -> None:
    lines = mass_balance([("spinning", 1000.0, 950.0, "kg"), ("sewing", 950.0, 1200.0, "kg")])
    assert [line.balanced for line in lines] == [True, False]
    assert lines[1].excess == pytest.approx(1200 - 950 * 1.02)


def test_a_payee_outside_the_named_suppliers_is_found() -> None:
    findings = payee_findings(
        ["Dandong Huayang Textiles & Garments Co Ltd", "Liaoning Hongxiang Trading"],
        ["Dandong Huayang Textiles and Garments Co., Ltd.", "Poof Apparel"],
    )
    assert findings[0].supplier == "Dandong Huayang Textiles and Garments Co., Ltd."
    assert findings[1].supplier is None


# -- import -----------------------------------------------------------------------------------------------


def test_the_dandong_huayang_history_imports_as_one_ruled_case(sqlite_store: Store, tmp_path: Path) -> None:
    history = tmp_path / "dandong.csv"
    history.write_text(DANDONG_HISTORY, encoding="utf-8")
    report = case_import.import_events(sqlite_store, OPERATOR, history)
    assert (report.cases_created, report.events) == (1, 6)
    shown = cases.case_json(cases.get_case(sqlite_store, OPERATOR, "DH-2020"))
    assert shown["state"] == "ruled"
    assert shown["deadline"] == "2021-01-22"
    assert [e["at"] for e in shown["events"]] == [  # type: ignore[union-attr]
        "2020-12-23",
        "2021-01-14",
        "2021-01-22",
        "2021-01-26",
        "2021-02-04",
        "2021-03-05",
    ]
    assert shown["decision"] == {
        "outcome": "excluded",
        "reasons": ["Entry excluded: prohibited under 19 U.S.C. 1307"],
        "decided_on": "2021-01-26",
        "decided_by": "cli:tester",
        "approved_by": None,
        "approval_pending": False,
    }


def test_an_import_with_one_event_out_of_order_imports_nothing_and_names_the_line(
    sqlite_store: Store, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    lines = DANDONG_HISTORY.splitlines()
    # A good second case first, then Dandong Huayang with its protest before its decision.
    bad.write_text(
        "\n".join(
            [
                lines[0],
                "OTHER,2022-12-05,detained,All goods of a producer,Rixin Foods Ltd.,",
                *lines[1:3],
                lines[5],
                lines[3],
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as refused:
        case_import.import_events(sqlite_store, OPERATOR, bad)
    assert refused.value.line == 5
    assert "'protested' cannot follow" in str(refused.value)
    assert cases.list_cases(sqlite_store, OPERATOR)[1] == 0


def test_json_lines_continue_a_stored_case(sqlite_store: Store, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text(
        json.dumps({"case": "J-1", "at": "2023-03-01", "kind": "detained"}) + "\n", encoding="utf-8"
    )
    case_import.import_events(sqlite_store, OPERATOR, first)
    more = tmp_path / "more.jsonl"
    more.write_text(
        json.dumps(
            {"case": "J-1", "at": "2023-03-20", "kind": "decided", "outcome": "seized", "note": "Forfeited"}
        )
        + "\n",
        encoding="utf-8",
    )
    report = case_import.import_events(sqlite_store, OPERATOR, more)
    assert (report.cases_created, report.cases_updated) == (0, 1)
    view = cases.get_case(sqlite_store, OPERATOR, "J-1")
    assert (view.case.state, view.case.outcome, view.case.version) == ("decided", "seized", 2)


def test_a_decision_without_an_outcome_is_refused(sqlite_store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("case,at,kind,note,party,outcome\nA,2023-01-01,detained,,,\nA,2023-01-10,decided,,,\n")
    with pytest.raises(InputError, match=r"bad.csv:3: case A: a `decided` row needs `outcome`"):
        case_import.import_events(sqlite_store, OPERATOR, bad)


# -- the register and the seed ----------------------------------------------------------------------------


def test_the_enforcement_actions_load_the_register_and_the_historical_cases(sqlite_store: Store) -> None:
    report = register.import_register(sqlite_store, OPERATOR, enforcement_actions(), publish=False)
    entries = {e.name: e for e in register.register_entries(sqlite_store)}
    assert "Dandong Huayang Textiles and Garments Co., Ltd." in entries
    assert "Poof Apparel" not in entries  # the importer, not the producer
    assert "GUDZON SHIPPING CO LLC" not in entries  # marked "not a labour action"
    assert "KIM, Jong Un" not in entries  # a human-rights designation, not a labour finding
    assert entries["YANBIAN SILVERSTAR NETWORK TECHNOLOGY CO., LTD."].names[1] == "延边银星网络科技有限公司"
    assert entries["MOKRAN LLC"].list_keys == ("ofac:30083",)
    assert report.cases_created == 4
    dandong = cases.case_json(
        cases.get_case(sqlite_store, OPERATOR, "CBP-2020-12-23-dandong-huayang-textiles-and-garments-co-ltd")
    )
    assert [(e["at"], e["kind"]) for e in dandong["events"]] == [  # type: ignore[union-attr]
        ("2020-12-23", "detained"),
        ("2021-01-14", "response"),
        ("2021-01-22", "decided"),
        ("2021-01-26", "decided"),
        ("2021-02-04", "protested"),
        ("2021-03-05", "ruled"),
    ]
    jingde = cases.get_case(sqlite_store, OPERATOR, "CBP-2022-12-05-jingde-trading-ltd")
    assert (jingde.case.source, jingde.case.state, jingde.case.deadline) == (
        "entity",
        "detained",
        date(2023, 1, 4),
    )
    again = register.import_register(sqlite_store, OPERATOR, enforcement_actions(), publish=False)
    assert (again.added, again.cases_created) == (0, 0)


def test_the_statistics_count_by_fiscal_year_and_status(sqlite_store: Store) -> None:
    register.import_register(sqlite_store, OPERATOR, enforcement_actions(), publish=False)
    stats = case_stats.case_statistics(sqlite_store)
    years = {b.key: b for b in stats.by["fiscal_year"]}
    assert years["FY2021"].cases["excluded"] == 1
    assert years["FY2023"].cases["pending"] == 3
    assert years["FY2023"].cases["detained"] == 3
    rows = list(case_stats.statistics_csv_rows(stats))
    assert rows[0][:3] == ["dimension", "group", "detained_cases"]
    assert rows[1][:2] == ["fiscal_year", "FY2021"]


# -- the CLI contract -------------------------------------------------------------------------------------


def _cli(*args: str, db: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("accomplice")
    return subprocess.run(
        [str(exe), *args],
        cwd=cwd,
        env={**os.environ, "ACCOMPLICE_DB_URL": db},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_cli_imports_a_history_and_shows_it_as_json(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    history = tmp_path / "dandong.csv"
    history.write_text(DANDONG_HISTORY, encoding="utf-8")
    imported = _cli("cases", "import", str(history), db=db, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    shown = _cli("cases", "show", "DH-2020", "--json", db=db, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    case = json.loads(shown.stdout)
    assert {"id", "state", "deadline", "shipments", "parties", "events", "decision"} <= set(case)
    assert (case["id"], case["state"], case["deadline"]) == ("DH-2020", "ruled", "2021-01-22")
    assert [e["kind"] for e in case["events"]] == [
        "detained",
        "response",
        "decided",
        "decided",
        "protested",
        "ruled",
    ]
    assert {"at", "kind", "by", "note"} <= set(case["events"][0])
    assert case["decision"]["outcome"] == "excluded"
    loaded = _cli("register", "import", str(enforcement_actions()), db=db, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    listed = json.loads(_cli("register", "list", "--json", db=db, cwd=tmp_path).stdout)
    assert any(e["name"] == "MOKRAN LLC" and e["effective_date"] == "2020-11-19" for e in listed)


def test_the_cli_refuses_a_bad_history_in_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    bad = tmp_path / "bad.csv"
    bad.write_text("case,at,kind,note,party,outcome\nX,2021-01-01,detained,,,\nX,2021-02-01,ruled,,,\n")
    result = _cli("cases", "import", str(bad), db=db, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1:] == [
        f"error: {bad}:3: case X: 'ruled' cannot follow on a case in state 'detained'; allowed: "
        "information-requested, response, decided; nothing was imported"
    ]
    assert "Traceback" not in result.stderr


def test_an_overdue_case_fires_one_signed_webhook_alert(sqlite_store: Store, tmp_path: Path) -> None:
    from accomplice.services import monitor
    from tests.monitor_data import webhook_receiver

    history = tmp_path / "late.csv"
    history.write_text(
        "case,at,kind,note,party,outcome\nLATE-1,2022-12-05,detained,All goods,Rixin Foods Ltd.,\n"
    )
    case_import.import_events(sqlite_store, OPERATOR, history)
    assert cases.get_case(sqlite_store, OPERATOR, "LATE-1").overdue
    with webhook_receiver() as receiver:
        hook = monitor.create_webhook(sqlite_store, OPERATOR, receiver.url + "/cases", allow_private=True)
        report = cases.alert_overdue(sqlite_store)
        assert (report.cases, report.deliveries) == (("LATE-1",), 1)
        assert cases.alert_overdue(sqlite_store).cases == ()  # once per case
        sent = monitor.deliver_due(sqlite_store, now=datetime.now(UTC), allow_private=True)
        assert sent.delivered == 1
        (request,) = receiver.on("/cases")
    body = json.loads(request.body)
    assert body["event"] == "cases-overdue"
    assert body["cases"] == [
        {"id": "LATE-1", "title": "Rixin Foods Ltd.", "state": "detained", "deadline": "2023-01-04"}
    ]
    assert request.headers["X-Accomplice-Signature"] == monitor.sign(hook.secret, request.body)


def test_a_case_opened_on_a_flagged_shipment_keeps_its_trace_as_it_was(sqlite_store: Store) -> None:
    from accomplice.services import exposure

    data = Path(__file__).parent / "exposure_data"
    for kind, name in (
        ("relations", "relations.csv"),
        ("facilities", "facilities.csv"),
        ("evidence", "evidence.jsonl"),
        ("shipments", "shipments.csv"),
    ):
        exposure.import_file(sqlite_store, kind, data / name, user="analyst1")
    view = cases.open_from_shipment(sqlite_store, OPERATOR, "ENT-2018-0412")
    frozen = cases.case_json(view)
    assert frozen["source"] == "shipment"
    assert frozen["shipments"] == ["ENT-2018-0412"]
    trace = frozen["trace"]
    assert isinstance(trace, dict)
    assert trace["shipment"] == "ENT-2018-0412"
    assert trace["flagged"] is True
    assert trace["paths"]
    assert frozen["evidence_summary"] == "; ".join(trace["reasons"])
    assert frozen["parties"]
    # The stored trace is what the case was opened on, not a live view: a later read returns it unchanged.
    assert cases.case_json(cases.get_case(sqlite_store, OPERATOR, view.case.id))["trace"] == trace
    with pytest.raises(cases.FlowRefusedError, match="not flagged"):
        cases.open_from_shipment(sqlite_store, OPERATOR, "ENT-2019-0588")


def test_the_readme_case_commands_run(tmp_path: Path) -> None:
    import re
    import shlex

    from typer.testing import CliRunner

    from accomplice.cli.app import app

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## §321(b) cases and the CAATSA register", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    commands = [shlex.split(line.split("#", 1)[0]) for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 5
    env = {"ACCOMPLICE_DB_URL": f"sqlite:///{tmp_path / 'readme.db'}"}
    outputs = []
    for argv in commands:
        assert argv[0] == "accomplice"
        args = [a.replace("../shared", str(get_settings().shared_dir)) for a in argv[1:]]
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, (argv, result.output)
        outputs.append(result.output)
    assert json.loads(outputs[2])["state"] == "ruled"
    assert '"schema": "Sanction"' in outputs[3]
    assert outputs[4].startswith("dimension,group,")


def test_a_shipment_from_a_registered_producer_is_flagged_and_the_register_is_screenable(
    sqlite_store: Store, tmp_path: Path
) -> None:
    from accomplice.services import exposure, screening

    register.import_register(sqlite_store, OPERATOR, enforcement_actions(), with_cases=False)
    shipments = tmp_path / "shipments.csv"
    shipments.write_text(
        "entry_id,entry_date,importer,importer_country,exporter,exporter_country,goods_description,hs_code,"
        "quantity,value,origin\n"
        "E-1,2020-12-01,Poof Apparel,us,Dandong Huayang Textiles and Garments Co. Ltd.,cn,knitted garments,"
        "6110.20,1000,50000,cn\n"
        "E-2,2020-12-01,Poof Apparel,us,Hangzhou Lakeside Silk Co. Ltd.,cn,silk scarves,6214.10,500,"
        "9000,cn\n",
        encoding="utf-8",
    )
    exposure.import_file(sqlite_store, "shipments", shipments, user="tester")
    flagged = exposure.trace_stored_one(sqlite_store, "E-1")
    assert flagged["flagged"] is True
    assert flagged["reasons"] == ["dprk_listed"]
    paths = flagged["paths"]
    assert isinstance(paths, list)
    assert paths[0]["listing"]["list"] == "caatsa", paths[0]
    assert exposure.trace_stored_one(sqlite_store, "E-2")["flagged"] is False
    matches = screening.screen_query(sqlite_store, "延边银星网络科技有限公司")
    assert "caatsa-register-yanbian-silverstar-network-technology-co-ltd" in [m.key for m in matches]
