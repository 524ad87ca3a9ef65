"""Documented abuses: victims sealed at rest on SQLite and PostgreSQL, pseudonyms, unmasking with a reason
and a second factor, consent-checked publication, the public export, keys, search in every script."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import text

from accomplice.errors import InputError, NotFoundError
from accomplice.incidents.public import PUBLIC_FIELDS
from accomplice.services import auth as accounts
from accomplice.services import incident_keys, incidents
from accomplice.services.auth import ForbiddenError, Principal, Role
from accomplice.store import Store
from accomplice.store.audit import AuditLog
from tests.incidents_data import IDENTIFYING, SEED, VICTIMS, record_with_victims, write_jsonl

OPERATOR = accounts.operator_principal("tester")
BACKENDS = pytest.mark.parametrize("store_url", ["sqlite", "postgres"], indirect=True)
REASON = "family tracing request from the Red Cross"


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "accomplice.key"
    monkeypatch.setenv(incident_keys.KEY_FILE_ENV, str(path))
    incident_keys.init_key_file(path)
    return path


@pytest.fixture
def recorded(store: Store, key_file: Path, tmp_path: Path, raw_dir: Path) -> Store:
    """The shared incidents and one record_with_victims with four victims, imported by the operator."""
    incidents.import_file(store, OPERATOR, raw_dir.parent / SEED)
    incidents.import_file(store, OPERATOR, write_jsonl(tmp_path / "t.jsonl", record_with_victims()))
    return store


def _pg_dump(url: str) -> bytes:
    done = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, check=True, timeout=60)
    return done.stdout


@BACKENDS
def test_no_victim_name_in_any_script_is_in_the_databases_bytes(recorded: Store, store_url: str) -> None:
    incidents.unmask(recorded, OPERATOR, "TEST-2024-HUNCHUN", REASON)  # the audit row of it too
    if recorded.backend == "sqlite":
        database = recorded.file_path
        assert database is not None
        wal = database.with_name(database.name + "-wal")
        assert wal.exists()
        assert wal.stat().st_size > 0
        blobs = {"database": database.read_bytes(), "wal": wal.read_bytes()}
    else:
        blobs = {"pg_dump": _pg_dump(store_url)}
    assert b"Hunchun" in b"".join(blobs.values())  # the record itself is there, in clear
    for where, blob in blobs.items():
        for value in IDENTIFYING:
            for encoded in {value.encode("utf-8"), value.encode("utf-16-le")}:
                assert encoded not in blob, f"{value!r} found in plain bytes of the {where}"


@BACKENDS
def test_every_read_shows_pseudonyms_and_the_unmasking_is_audited_with_its_reason(recorded: Store) -> None:
    view = incidents.incident_view(recorded, OPERATOR, "TEST-2024-HUNCHUN")
    shown = json.dumps(view.as_json(), ensure_ascii=False)
    assert len(view.victims) == 4
    assert all(v.pseudonym.startswith("V-") for v in view.victims)
    assert not any(value in shown for value in IDENTIFYING)
    with pytest.raises(ForbiddenError, match="state why"):
        incidents.unmask(recorded, OPERATOR, "TEST-2024-HUNCHUN", "  ")
    before = AuditLog(recorded).count()
    opened = incidents.unmask(recorded, OPERATOR, "TEST-2024-HUNCHUN", REASON)
    assert {u.identity.name_original for u in opened} == {"김미래", "박솔화", "李春梅", "Ольга Ивановна Цой"}
    rows = AuditLog(recorded).entries(limit=5)
    assert AuditLog(recorded).count() == before + 1
    last = next(r for r in rows if r.action == "incidents.unmask")
    assert last.subject == "TEST-2024-HUNCHUN"
    assert last.detail["reason"] == REASON


def test_an_account_needs_the_victims_permission_and_a_totp_code_to_unmask(
    store: Store, key_file: Path, tmp_path: Path
) -> None:
    incidents.import_file(store, OPERATOR, write_jsonl(tmp_path / "t.jsonl", record_with_victims()))
    for role in ("researcher", "protection"):
        accounts.add_user(store, OPERATOR, name=role, roles=[role], password="correct horse battery staple")
    researcher = accounts.local_principal(store, "researcher")
    officer = accounts.local_principal(store, "protection")
    with pytest.raises(ForbiddenError, match="victims"):
        incidents.unmask(store, researcher, "TEST-2024-HUNCHUN", REASON)
    with pytest.raises(ForbiddenError, match="second factor"):
        incidents.unmask(store, officer, "TEST-2024-HUNCHUN", REASON)
    uri = incidents.enrol_totp(store, officer)
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    with pytest.raises(ForbiddenError, match="code is missing or wrong"):
        incidents.unmask(
            store, officer, "TEST-2024-HUNCHUN", REASON, "000000" if totp.now() != "000000" else "1"
        )
    assert len(incidents.unmask(store, officer, "TEST-2024-HUNCHUN", REASON, totp.now())) == 4


@BACKENDS
def test_a_missing_or_wrong_key_is_one_clear_error_and_rotation_keeps_every_record_readable(
    recorded: Store, key_file: Path
) -> None:
    assert incidents.key_problem(recorded) is None
    count = incidents.rotate_key(recorded, OPERATOR)
    assert count == 4
    assert len(json.loads(key_file.read_text())["keys"]) == 1  # the old key is gone from the file
    assert incidents.key_problem(recorded) is None
    assert len(incidents.unmask(recorded, OPERATOR, "TEST-2024-HUNCHUN", REASON)) == 4
    saved = key_file.read_bytes()
    key_file.unlink()
    problem = incidents.key_problem(recorded)
    assert problem is not None
    assert "no key file" in problem
    assert "keys init" in problem
    incident_keys.init_key_file(key_file)  # a new, different key
    problem = incidents.key_problem(recorded)
    assert problem is not None
    assert "does not hold key" in problem
    with pytest.raises(incident_keys.KeyProblem):
        incidents.unmask(recorded, OPERATOR, "TEST-2024-HUNCHUN", REASON)
    # The pseudonymous pages still read: only unmasking needs the key.
    assert incidents.incident_page(recorded, OPERATOR, query="Hunchun").total >= 1
    key_file.write_bytes(saved)
    assert incidents.key_problem(recorded) is None


@BACKENDS
def test_publishing_beyond_consent_is_refused_and_the_public_export_holds_no_identifying_field(
    recorded: Store, tmp_path: Path
) -> None:
    with pytest.raises(ForbiddenError, match="does not cover 'publish-anonymised'"):
        incidents.publish(recorded, OPERATOR, "TEST-2024-HUNCHUN")
    consenting = record_with_victims(
        "TEST-CONSENTED", [dict(v, consent="publish-anonymised") for v in VICTIMS]
    )
    at_risk = record_with_victims(
        "TEST-AT-RISK", [{"name": "Ri Su-jin", "consent": "publish-anonymised", "family_in_dprk": True}]
    )
    incidents.import_file(recorded, OPERATOR, write_jsonl(tmp_path / "c.jsonl", consenting, at_risk))
    with pytest.raises(ForbiddenError, match="family still in the DPRK"):
        incidents.publish(recorded, OPERATOR, "TEST-AT-RISK")
    public = incidents.publish(recorded, OPERATOR, "TEST-CONSENTED")
    assert public["victim_count"] == 4
    incidents.publish(recorded, OPERATOR, "INC-2024-04-26-CN-REPATRIATION")
    out = tmp_path / "public.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        assert incidents.export_public(recorded, handle) == 2
    exported = out.read_text(encoding="utf-8")
    for line in exported.splitlines():
        assert set(json.loads(line)) <= PUBLIC_FIELDS
    for forbidden in [*IDENTIFYING, "Ri Su-jin", "V-", "pseudonym", "consent", "TEST-2024-HUNCHUN"]:
        assert forbidden not in exported
    ftm = tmp_path / "public.ftm.json"
    with ftm.open("w", encoding="utf-8") as handle:
        assert incidents.export_public_ftm(recorded, handle) == 2
    entities = [json.loads(line) for line in ftm.read_text(encoding="utf-8").splitlines()]
    events = [e for e in entities if e["schema"] == "Event"]
    assert {e["properties"]["recordId"][0] for e in events} == {
        "TEST-CONSENTED",
        "INC-2024-04-26-CN-REPATRIATION",
    }
    assert all(e["properties"]["involved"] for e in events)
    assert not any(value in ftm.read_text(encoding="utf-8") for value in IDENTIFYING)
    # Restricted records stay off the public reads.
    total, _ = incidents.public_incidents(recorded)
    assert total == 2


@BACKENDS
def test_search_finds_records_in_korean_chinese_russian_and_english(recorded: Store) -> None:
    def refs(query: str) -> set[str]:
        return {i.ref for i in incidents.incident_page(recorded, OPERATOR, query=query, limit=100).items}

    assert "INC-2024-04-26-CN-REPATRIATION" in refs("강제송환")  # act labels in Korean
    assert "INC-2024-04-26-CN-REPATRIATION" in refs("强制遣返")
    assert "INC-2024-04-26-CN-REPATRIATION" in refs("репатриация")
    assert "INC-2024-01-DALIAN-HAIQING" in refs("Dalian Haiqing")
    assert refs("수산물 가공") == {"TEST-2024-HUNCHUN"}  # the narrative's Korean
    assert refs("рыбозаводе") == {"TEST-2024-HUNCHUN"}
    assert refs("김미래") == set()  # a victim's name is not searchable: it is sealed
    assert refs('"; DROP TABLE incidents; --') == set()


def test_restricted_records_are_seen_by_their_team_only(store: Store, key_file: Path, tmp_path: Path) -> None:
    for name, org in (("ngo-a", "ngo-a"), ("ngo-b", "ngo-b")):
        accounts.add_user(
            store, OPERATOR, name=name, roles=["researcher"], password="correct horse battery staple", org=org
        )
    a = accounts.local_principal(store, "ngo-a")
    b = accounts.local_principal(store, "ngo-b")
    incidents.import_file(store, a, write_jsonl(tmp_path / "t.jsonl", record_with_victims()))
    assert incidents.incident_page(store, a).total == 1
    assert incidents.incident_page(store, b).total == 0
    with pytest.raises(NotFoundError):
        incidents.incident_view(store, b, "TEST-2024-HUNCHUN")


def test_bad_input_names_the_line_and_field_and_writes_nothing(
    store: Store, key_file: Path, tmp_path: Path
) -> None:
    bad = record_with_victims("TEST-BAD")
    bad["sources"] = [{"title": "x", "grade": "G9"}]
    path = write_jsonl(tmp_path / "bad.jsonl", record_with_victims(), bad)
    with pytest.raises(InputError, match=r"bad.jsonl:2: sources\[0\].grade"):
        incidents.import_file(store, OPERATOR, path)
    assert incidents.incident_page(store, OPERATOR).total == 0
    consent = record_with_victims("TEST-CONSENT", [{"name": "x", "consent": "everyone"}])
    with pytest.raises(InputError, match=r"victims\[0\].consent"):
        incidents.import_file(store, OPERATOR, write_jsonl(tmp_path / "c.jsonl", consent))


def test_victims_without_a_key_file_are_refused_before_anything_is_written(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(incident_keys.KEY_FILE_ENV, str(tmp_path / "missing.key"))
    with pytest.raises(incident_keys.KeyProblem, match="keys init"):
        incidents.import_file(store, OPERATOR, write_jsonl(tmp_path / "t.jsonl", record_with_victims()))
    assert incidents.incident_page(store, OPERATOR).total == 0


def test_perpetrators_resolve_to_listed_entities_by_the_key_the_record_names_and_by_screening(
    screening_store: Store, tmp_path: Path, raw_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accomplice.services.screening import screening_index
    from tests.helpers import copy_of_store

    # The lists' index of this process (other screening tests share it); the records go into a copy.
    index = screening_index(screening_store)
    store = copy_of_store(screening_store, tmp_path / "s.db")
    monkeypatch.setenv(incident_keys.KEY_FILE_ENV, str(tmp_path / "k.key"))
    incident_keys.init_key_file(tmp_path / "k.key")
    incidents.import_file(store, OPERATOR, raw_dir.parent / SEED, index=index)
    incidents.import_file(
        store, OPERATOR, write_jsonl(tmp_path / "t.jsonl", record_with_victims()), index=index
    )
    namibia = incidents.incident_view(store, OPERATOR, "INC-2016-2017-NAMIBIA-MOP-WORKERS")
    keys = {p.name: p.entity_key for p in namibia.row.perpetrators}
    assert keys["Mansudae Overseas Project Group of Companies"] == "un:KPe.050"
    assert keys["Qingdao Construction (Namibia) CC"] == "ofac:22704"
    hunchun = incidents.incident_view(store, OPERATOR, "TEST-2024-HUNCHUN").row.perpetrators[0]
    assert hunchun.entity_key is not None
    assert hunchun.entity_key.startswith(("ofac:", "un:"))
    assert incidents.incident_page(store, OPERATOR, entity_key="un:KPe.050").total >= 1
    store.close()


@BACKENDS
def test_migration_creates_incident_tables_exactly_as_the_schema_defines_them(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from accomplice.store import schema_incidents
    from accomplice.store.schema import metadata

    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        if store.backend == "sqlite":
            assert conn.execute(text("SELECT count(*) FROM incident_search")).scalar_one() == 0
    tables = {getattr(schema_incidents, n).name for n in schema_incidents.__all__ if n != "INCIDENT_STATES"}
    assert len(tables) == 4
    mine = [d for d in diffs if any(f"'{name}'" in repr(d) for name in tables)]
    assert mine == []


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    import os
    import sys

    return subprocess.run(
        [str(Path(sys.executable).with_name("accomplice")), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_the_cli_contract_keys_init_import_publish_and_public_export(tmp_path: Path) -> None:
    env = {
        "ACCOMPLICE_DB_URL": f"sqlite:///{tmp_path / 'a.db'}",
        "ACCOMPLICE_KEY_FILE": str(tmp_path / "my.key"),
    }
    done = _cli(["keys", "init"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "my.key").stat().st_mode & 0o777 == 0o600
    again = _cli(["keys", "init"], env, tmp_path)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    consented = record_with_victims(
        "TEST-CLI", [{"name": "Kim Mi-rae", "name_original": "김미래", "consent": "publish-anonymised"}]
    )
    refused = record_with_victims(
        "TEST-CLI-INTERNAL", [{"name": "Pak Sol-hwa", "name_original": "박솔화", "consent": "internal"}]
    )
    done = _cli(
        ["incidents", "import", str(write_jsonl(tmp_path / "in.jsonl", consented, refused))], env, tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "2 incidents added" in done.stdout
    done = _cli(["incidents", "publish", "TEST-CLI-INTERNAL"], env, tmp_path)
    assert done.returncode == 1
    assert "consent" in done.stderr
    assert "Traceback" not in done.stderr
    assert _cli(["incidents", "publish", "TEST-CLI"], env, tmp_path).returncode == 0
    out = tmp_path / "public.jsonl"
    done = _cli(["incidents", "export", "--public", "-o", str(out)], env, tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["TEST-CLI"]
    assert records[0]["victim_count"] == 1
    assert "김미래" not in out.read_text(encoding="utf-8")
    assert "Kim Mi-rae" not in out.read_text(encoding="utf-8")
    # A wrong key: one clear line, not a traceback.
    (tmp_path / "my.key").unlink()
    done = _cli(["keys", "check"], env, tmp_path)
    assert done.returncode == 1
    assert "no key file" in done.stdout


def test_a_principal_without_incident_permissions_reads_nothing(store: Store) -> None:
    importer = Principal(user="imp", roles=frozenset({Role.IMPORTER}), org="acme")
    with pytest.raises(ForbiddenError):
        incidents.incident_page(store, importer)


def test_the_readmes_incident_commands_run_as_written(tmp_path: Path, raw_dir: Path) -> None:
    """Every command of the README's incidents block, in order, on a fresh store (the shared file is found
    where the README says, relative to the project folder)."""
    import os
    import re
    import shlex
    import sys

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- incidents-example -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line.split("  #", 1)[0]) for line in block.splitlines() if line.strip()]
    assert len(commands) == 7
    env = {
        **os.environ,
        "ACCOMPLICE_DB_URL": f"sqlite:///{tmp_path / 'a.db'}",
        "ACCOMPLICE_KEY_FILE": str(tmp_path / "accomplice.key"),
    }
    shared = str(raw_dir.parents[1])
    for command in commands:
        assert command[0] == "accomplice"
        args = [re.sub(r"^\.\./shared", shared, a) for a in command[1:]]
        done = subprocess.run(
            [str(Path(sys.executable).with_name("accomplice")), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"{' '.join(command)}: {done.stderr}"
    assert (tmp_path / "incidents-public.jsonl").read_text(encoding="utf-8").count("\n") == 1


def test_an_uwazi_csv_export_and_a_csv_with_its_own_mapping_import(store: Store, tmp_path: Path) -> None:
    uwazi = tmp_path / "uwazi.csv"
    uwazi.write_text(
        "Title,Date added,Template,Date,Country,Perpetrators,Type of violation,Description__en,Sources\n"
        '"China forcibly returns about 60 North Koreans",2024-05-01,Violation,2024-04-26,CN,'
        '"PRC public security and border authorities|DPRK Ministry of State Security",Refoulement,'
        '"Returned via Tumen, Hunchun and Dandong.","[Yonhap](https://en.yna.co.kr/)"\n'
        '"Workers held at a Dandong plant",2024-05-01,Violation,2020-08 ~ 2020-11-20,CN,'
        "Dandong garment factory,Forced labour,Night shifts without pay.,Interview notes\n",
        encoding="utf-8",
    )
    report = incidents.import_csv(store, OPERATOR, uwazi)
    assert report.added == 2
    page = incidents.incident_page(store, OPERATOR, query="Tumen")
    assert page.total == 1
    first = incidents.incident_view(store, OPERATOR, page.items[0].ref)
    assert first.row.acts == ("forced_repatriation",)
    assert [p.name for p in first.row.perpetrators] == [
        "PRC public security and border authorities",
        "DPRK Ministry of State Security",
    ]
    assert first.as_json()["sources"][0]["url"] == "https://en.yna.co.kr/"  # type: ignore[index]
    ranged = incidents.incident_page(store, OPERATOR, query="Night shifts").items[0]
    assert ranged.row.date_edtf == "2020-08/2020-11-20"
    assert incidents.import_csv(store, OPERATOR, uwazi).added == 0  # the same export again adds nothing

    own = tmp_path / "own.csv"
    own.write_text("case,what,when,where\nK-1,Seafood plant confinement,2023-02,CN\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yml"
    mapping.write_text(
        "columns: {case: id, what: title, when: date_start, where: country}\n"
        "defaults: {type: forced_labour, date_precision: month}\n",
        encoding="utf-8",
    )
    assert incidents.import_csv(store, OPERATOR, own, mapping).added == 1
    assert incidents.incident_view(store, OPERATOR, "K-1").row.date_precision == "month"
    mapping.write_text("columns: {case: victim_name}\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown fields: victim_name"):
        incidents.import_csv(store, OPERATOR, own, mapping)
    bad = tmp_path / "bad.csv"
    bad.write_text("Title,Date\nNo date here,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv:2: date"):
        incidents.import_csv(store, OPERATOR, bad)


def test_load_all_adds_the_26_shared_incidents_once_restricted(
    store: Store, raw_dir: Path, tmp_path: Path
) -> None:
    loader = accounts.operator_principal("load")
    report = incidents.load_seed(store, loader, raw_dir.parent)
    assert report is not None
    assert report.added == 26
    again = incidents.load_seed(store, loader, raw_dir.parent)
    assert again is not None
    assert again.added == 0
    assert incidents.public_incidents(store)[0] == 0  # nothing published until a reviewer re-checks it
    assert incidents.load_seed(store, loader, tmp_path) is None  # no shared folder: nothing, no error


def test_labour_evidence_can_cite_an_incident_and_flags_shipments_through_its_perpetrator(
    store: Store, raw_dir: Path
) -> None:
    from accomplice.services import exposure
    from accomplice.services.exposure_pages import shipment_rows

    incidents.load_seed(store, OPERATOR, raw_dir.parent)
    name = incidents.cite_as_labour_evidence(store, OPERATOR, "INC-2024-01-DALIAN-HAIQING")
    assert name.startswith("Dalian Haiqing Food")
    exposure.add_rows(
        store,
        "shipments",
        [
            {
                "id": "ENT-2024-0301",
                "date": "2024-03-01",
                "importer": "Pacific Coast Seafood Importers LLC",
                "importer_country": "us",
                "exporter": name,
                "exporter_country": "cn",
                "goods_description": "frozen squid",
                "hs_code": "0307.43",
            }
        ],
        user="tester",
    )
    (row,) = [r for r in shipment_rows(store) if r.record.id == "ENT-2024-0301"]
    assert row.flagged
    importer = accounts.Principal(user="imp", roles=frozenset({Role.IMPORTER}), org="acme")
    with pytest.raises(ForbiddenError):
        incidents.cite_as_labour_evidence(store, importer, "INC-2024-01-DALIAN-HAIQING")
