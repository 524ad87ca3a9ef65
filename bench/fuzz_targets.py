"""What the fuzzing bench and its CI sample feed and check: every list loader and every upload endpoint.

An input is a file's bytes, drawn by hypothesis: a real file's head (from the shared data) with a few
edits (bytes flipped, removed, repeated, or tokens that break parsers inserted: quotes, NULs, byte-order
marks, deep brackets, XML entities, invalid UTF-8), or arbitrary bytes. The check is the same for all:
an input is either read or refused with the project's clear error (`AccompliceError`, one line naming
the file); any other exception is a crash. An upload endpoint may answer anything but a 5xx, and an
input it refuses leaves the store's row counts as they were (nothing half-written).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from accomplice.errors import AccompliceError
from accomplice.sources import get_format
from accomplice.sources.mapping import shipped_mapping

# Lines of a real file kept as a seed: a header and a few records, so that a parse of each input takes
# milliseconds and the edits land in the records' fields, not only in a long tail nobody reads.
SEED_LINES = 12
# Edits per input: from none (the real head as it is) to enough to break several fields at once.
MAX_EDITS = 8
# Arbitrary inputs are at most this long: headers, encodings and the first records are what they break.
MAX_RANDOM_BYTES = 2_000

# Fragments that have broken parsers: field and record separators, quotes, NULs, byte-order marks,
# invalid and overlong UTF-8, lone surrogates, XML entity declarations, deep JSON nesting, formula
# leaders, huge numbers, non-Latin scripts.
TOKENS: tuple[bytes, ...] = (
    b'"',
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xff",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b'<!DOCTYPE x [<!ENTITY a "aaaa">]>',
    b"]]>",
    b"<![CDATA[",
    b"{",
    b"}",
    b"[" * 2000,
    b"null",
    b"1e999",
    b"-0",
    b"NaN",
    b"99999999999999999999999",
    b"=HYPERLINK(",
    b"0000-00-00",
    b"9999-99-99",
    "김정은".encode(),
    "金正恩".encode(),
    "Ким".encode(),
    "\u202e".encode(),
    b"\\",
    b"'",
    b" " * 600,
)

# Resolution of an edit's position within an input.
POSITIONS = 1 << 16


def _head(path: Path, lines: int = SEED_LINES) -> bytes:
    with path.open("rb") as handle:
        return b"".join(handle.readline() for _ in range(lines))


def _un_seed(path: Path) -> bytes:
    """The UN list's first individual and first entity, inside the list's own envelope."""
    text = path.read_text(encoding="utf-8")
    individual = re.search(r"<INDIVIDUAL>.*?</INDIVIDUAL>", text, re.S)
    entity = re.search(r"<ENTITY>.*?</ENTITY>", text, re.S)
    assert individual is not None
    assert entity is not None
    head = text[: text.index("<INDIVIDUALS>")]
    return (
        f"{head}<INDIVIDUALS>{individual.group(0)}</INDIVIDUALS>"
        f"<ENTITIES>{entity.group(0)}</ENTITIES></CONSOLIDATED_LIST>\n"
    ).encode()


def _edited(seed: bytes) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = bytearray(seed)
        for _ in range(draw(st.integers(0, MAX_EDITS))):
            # A position as a share of the length: the draws do not depend on the length itself, which for
            # a saved workbook varies with the time stamp it holds (hypothesis requires the same draws
            # to replay the same input).
            at = draw(st.integers(0, POSITIONS)) * len(data) // POSITIONS
            kind = draw(st.sampled_from(("token", "flip", "cut", "repeat", "truncate")))
            if kind == "token":
                data[at:at] = draw(st.sampled_from(TOKENS))
            elif kind == "flip" and at < len(data):
                data[at] = draw(st.integers(0, 255))
            elif kind == "cut":
                del data[at : at + draw(st.integers(1, 64))]
            elif kind == "repeat":
                data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(2, 20))
            else:
                del data[at:]
        return bytes(data)

    return build()


def inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    """Mostly edited seeds (they pass the header checks and reach the records), some arbitrary bytes."""
    return st.one_of(_edited(seed), _edited(seed), _edited(seed), st.binary(max_size=MAX_RANDOM_BYTES))


@dataclass(frozen=True, slots=True)
class Loader:
    """A list format read from a file: its name, the file name it takes, and a seed file's head."""

    name: str
    file_name: str
    seed: Callable[[Path], bytes]
    mapping: str | None = None
    list_name: str | None = None

    def seed_strategy(self, raw: Path) -> st.SearchStrategy[bytes]:
        return inputs(self.seed(raw))

    def read(self, folder: Path, data: bytes) -> bool:
        """Plan and parse `data` as this format: True if read, False if refused with AccompliceError (a
        clear one-line refusal); any other exception, a crash, propagates."""
        path = folder / self.file_name
        path.write_bytes(data)
        mapping = shipped_mapping(self.mapping) if self.mapping else None
        reader = get_format(self.name, mapping=mapping)
        try:
            reader.parse(reader.plan(path, list_name=self.list_name))
        except AccompliceError:
            return False
        return True


def _raw(*parts: str) -> Callable[[Path], bytes]:
    return lambda raw: _head(raw.joinpath(*parts))


LOADERS: tuple[Loader, ...] = (
    Loader("ofac", "sdn.csv", _raw("ofac", "2024-05-03", "sdn.csv")),
    Loader("un", "un.xml", lambda raw: _un_seed(raw / "un" / "un_consolidated_2026-02-27.xml")),
    Loader("eu", "eu.csv", _raw("eu", "eu_journal_consolidated_32017R1509.csv")),
    Loader("uk", "uk.csv", _raw("uk", "hmt_conlist_2018-04-13.csv")),
    Loader(
        "ftm",
        "entities.ftm.json",
        _raw("opensanctions", "ftm_samples", "yente_fixture_t1_entities.ftm.json"),
        list_name="fuzz",
    ),
    Loader(
        "csv",
        "targets.simple.csv",
        _raw("opensanctions", "ftm_samples", "ua_war_sanctions_targets.simple.csv"),
        mapping="opensanctions_targets_simple.yml",
        list_name="fuzz",
    ),
    Loader(
        "csv",
        "us_bis_mieu.csv",
        _raw("opensanctions", "source_tables", "us_bis_mieu.csv"),
        mapping="us_bis_mieu.yml",
        list_name="fuzz",
    ),
    Loader(
        "csv",
        "us_dod_1260h.csv",
        _raw("opensanctions", "source_tables", "us_dod_1260h_chinese_military_companies.csv"),
        mapping="us_dod_1260h.yml",
        list_name="fuzz",
    ),
    Loader(
        "csv",
        "us_state_inksna.csv",
        _raw("opensanctions", "source_tables", "us_state_inksna.csv"),
        mapping="us_state_inksna.yml",
        list_name="fuzz",
    ),
    Loader(
        "csv",
        "cn_countersanctions.csv",
        _raw("opensanctions", "source_tables", "cn_countersanctions.csv"),
        mapping="cn_countersanctions.yml",
        list_name="fuzz",
    ),
)


def loader_label(loader: Loader) -> str:
    return loader.name if loader.mapping is None else f"csv:{loader.mapping.removesuffix('.yml')}"


# -- upload files ----------------------------------------------------------------------------------------

# Screening rows (the columns of `accomplice screen`): the seed of job, /batch and watchlist uploads.
SCREENING_CSV = (
    "id,name,schema,birth_date,nationality\n"
    "r1,김정은,Person,1984-01-08,kp\n"
    "r2,Korea Kwangson Banking Corp,Organization,,\n"
    "r3,JI SONG 6,Vessel,,\n"
    "r4,Maria Schmidt,Person,1971-02-03,de\n"
).encode()
SCREENING_JSONL = (
    b'{"id": "r1", "name": "Kim Jong Un", "birth_date": "1984-01-08"}\n'
    b'{"id": "r2", "name": "\xea\xb9\x80\xec\xa0\x95\xec\x9d\x80", "schema": "Person"}\n'
)


@st.composite
def xlsx_files(draw: st.DrawFn) -> bytes:
    """A real XLSX workbook (openpyxl) whose cells hypothesis draws: texts of any script and length,
    numbers, dates, formulas, empty rows; sometimes with its bytes edited afterwards."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    header = draw(
        st.lists(
            st.sampled_from(["id", "name", "schema", "birth_date", "nationality", "imo", "x"]), max_size=6
        )
    )
    sheet.append(header)
    cell = st.one_of(
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=600),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=False),
        st.just("=1+1"),
        st.none(),
    )
    for row in draw(st.lists(st.lists(cell, max_size=7), max_size=8)):
        try:
            sheet.append(row)
        except Exception:  # openpyxl refuses characters a sheet may not hold: the row is dropped
            continue
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if draw(st.booleans()):
        return data
    return draw(_edited(data))


def upload_files(csv_seed: bytes, jsonl_seed: bytes) -> st.SearchStrategy[tuple[str, bytes]]:
    """(file name, bytes): a CSV, JSONL or XLSX file, its suffix sometimes lying about its content."""
    return st.one_of(
        st.tuples(st.just("rows.csv"), inputs(csv_seed)),
        st.tuples(st.just("rows.jsonl"), inputs(jsonl_seed)),
        st.tuples(st.just("rows.xlsx"), xlsx_files()),
        st.tuples(
            st.sampled_from(["rows.csv", "rows.jsonl", "rows.xlsx", "rows", "rows.txt"]),
            st.binary(max_size=MAX_RANDOM_BYTES),
        ),
    )


# -- upload endpoints ------------------------------------------------------------------------------------

EXPOSURE_DATA = Path(__file__).resolve().parent.parent / "tests" / "exposure_data"
PASSWORD = "fuzzing the uploads, correct horse"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# A reconciliation batch as OpenRefine sends it: the seed of /reconcile's `queries` field.
RECONCILE_QUERIES = (
    '{"q0": {"query": "Kim Jong Un", "type": "Person", "limit": 3, '
    '"properties": [{"pid": "birthDate", "v": "1984-01-08"}]}, '
    '"q1": {"query": "\uae40\uc815\uc740"}, '
    '"q2": {"query": "Korea Kwangson Banking Corp", "type": "Company"}}'
).encode()


def _counted_tables() -> tuple[object, ...]:
    from accomplice.store import schema_exposure as ex
    from accomplice.store import schema_jobs as jb
    from accomplice.store import schema_monitor as mo

    return (
        jb.jobs,
        jb.job_inputs,
        mo.watchlists,
        mo.watchlist_entries,
        mo.watchlist_matches,
        mo.monitor_alerts,
        ex.exposure_batches,
        ex.exposure_sources,
        ex.exposure_parties,
        ex.exposure_shipments,
        ex.exposure_supply,
        ex.exposure_ownership,
        ex.exposure_facilities,
        ex.exposure_evidence,
    )


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An upload endpoint: its label, the inputs it is fed, and how one input is sent."""

    label: str
    strategy: st.SearchStrategy[tuple[str, bytes]]
    send: Callable[[UploadRig, tuple[str, bytes]], int]


class UploadRig:
    """The app in-process (ASGI) over a store holding the UN list, with an importer who may upload jobs,
    watchlist entries and exposure files (an API token, and a logged-in session for the /batch page), and
    a researcher who may upload labour evidence."""

    def __init__(self, store: object) -> None:
        from fastapi.testclient import TestClient

        from accomplice import services
        from accomplice.api import create_app
        from accomplice.services import auth as accounts
        from accomplice.services import monitor
        from accomplice.store import Store

        assert isinstance(store, Store)
        self.store = store
        operator = accounts.operator_principal("fuzzer")
        accounts.add_user(
            store, operator, name="fuzz-importer", roles=["importer"], org="fuzz", password=PASSWORD
        )
        self.token = accounts.issue_token(store, operator, user="fuzz-importer").secret
        # Labour evidence is the enforcement side's to add (importers are refused before their file is
        # read): a researcher sends it.
        accounts.add_user(store, operator, name="fuzz-researcher", roles=["researcher"])
        self.researcher_token = accounts.issue_token(store, operator, user="fuzz-researcher").secret
        services.screening_index(store)
        importer = accounts.local_principal(store, "fuzz-importer")
        self.watchlist = monitor.create_watchlist(store, importer, "Fuzzed").id
        # run_jobs off: the queue fills with accepted jobs, which is all the check needs.
        self.client = TestClient(
            create_app(store, run_jobs=False, deliver_webhooks=False), raise_server_exceptions=False
        )
        self.web = TestClient(
            create_app(store, run_jobs=False, deliver_webhooks=False), raise_server_exceptions=False
        )
        form = self.web.get("/login")
        token = CSRF.search(form.text)
        assert token is not None, form.text[:200]
        logged = self.web.post(
            "/login",
            data={
                "user": "fuzz-importer",
                "password": PASSWORD,
                "csrf_token": token.group(1),
                "next": "/batch",
            },
        )
        assert logged.status_code < 400, logged.status_code
        # Evidence names the facility it was found at: the researcher's facilities are stored first, so
        # that an evidence file can be read to its end.
        facilities = self.client.post(
            "/api/exposure/facilities/file",
            headers={"Authorization": f"Bearer {self.researcher_token}"},
            files={"file": ("facilities.csv", (EXPOSURE_DATA / "facilities.csv").read_bytes())},
        )
        assert facilities.status_code == 201, facilities.text
        page = CSRF.search(self.web.get("/batch").text)
        assert page is not None
        self.csrf = page.group(1)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def counts(self) -> tuple[int, ...]:
        from sqlalchemy import func, select

        with self.store.engine.connect() as conn:
            return tuple(
                int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]
                for table in _counted_tables()
            )

    def close(self) -> None:
        self.client.close()
        self.web.close()


def _post_job(rig: UploadRig, item: tuple[str, bytes]) -> int:
    return rig.client.post("/api/jobs", headers=rig.headers, files={"file": item}).status_code


def _post_batch(rig: UploadRig, item: tuple[str, bytes]) -> int:
    return rig.web.post("/batch", data={"csrf_token": rig.csrf}, files={"file": item}).status_code


def _post_watchlist(rig: UploadRig, item: tuple[str, bytes]) -> int:
    url = f"/api/watchlists/{rig.watchlist}/entries/upload"
    return rig.client.post(url, headers=rig.headers, files={"file": item}).status_code


def _post_exposure(kind: str) -> Callable[[UploadRig, tuple[str, bytes]], int]:
    def send(rig: UploadRig, item: tuple[str, bytes]) -> int:
        url = f"/api/exposure/{kind}/file"
        token = rig.researcher_token if kind == "evidence" else rig.token
        headers = {"Authorization": f"Bearer {token}"}
        return rig.client.post(url, headers=headers, files={"file": item}).status_code

    return send


def _post_reconcile(rig: UploadRig, item: tuple[str, bytes]) -> int:
    # Anonymous, as OpenRefine calls it; the field is text, so the bytes are decoded as a browser would.
    text = item[1].decode("utf-8", errors="replace")
    return rig.client.post("/reconcile", data={"queries": text}).status_code


def _exposure_files(kind: str, file_name: str) -> st.SearchStrategy[tuple[str, bytes]]:
    seed = _head(EXPOSURE_DATA / file_name)
    suffix = file_name.split(".", 1)[1]
    return st.one_of(
        st.tuples(st.just(f"{kind}.{suffix}"), inputs(seed)),
        st.tuples(st.just(f"{kind}.xlsx"), xlsx_files()),
    )


def endpoints() -> tuple[Endpoint, ...]:
    rows = upload_files(SCREENING_CSV, SCREENING_JSONL)
    return (
        Endpoint("POST /api/jobs", rows, _post_job),
        Endpoint("POST /batch", rows, _post_batch),
        Endpoint("POST /api/watchlists/{id}/entries/upload", rows, _post_watchlist),
        Endpoint(
            "POST /api/exposure/shipments/file",
            _exposure_files("shipments", "shipments.csv"),
            _post_exposure("shipments"),
        ),
        Endpoint(
            "POST /api/exposure/relations/file",
            _exposure_files("relations", "relations.csv"),
            _post_exposure("relations"),
        ),
        Endpoint(
            "POST /api/exposure/ownership/file",
            _exposure_files("ownership", "ownership.csv"),
            _post_exposure("ownership"),
        ),
        Endpoint(
            "POST /api/exposure/facilities/file",
            _exposure_files("facilities", "facilities.csv"),
            _post_exposure("facilities"),
        ),
        Endpoint(
            "POST /api/exposure/evidence/file",
            _exposure_files("evidence", "evidence.jsonl"),
            _post_exposure("evidence"),
        ),
        Endpoint(
            "POST /reconcile", st.tuples(st.just("queries"), inputs(RECONCILE_QUERIES)), _post_reconcile
        ),
    )


# -- running -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    """One target's run: inputs tried, and each failure as one line (the exception or status, the input)."""

    label: str
    inputs: int = 0
    # Inputs read (a loader) or accepted with a 2xx/3xx (an endpoint); the others were refused clearly.
    accepted: int = 0
    seconds: float = 0.0
    failures: list[str] | None = None

    @property
    def failed(self) -> list[str]:
        return self.failures or []


def run_target(
    label: str,
    strategy: st.SearchStrategy[object],
    check: Callable[[object], str | bool],
    examples: int,
    *,
    seed: int,
) -> Outcome:
    """Feed `examples` inputs to `check`, which returns a failure line, or whether the input was accepted;
    every input runs (a failure is recorded, not raised, so one run counts them all)."""
    import random
    import time

    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    outcome = Outcome(label, failures=[])

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def feed(item: object) -> None:
        outcome.inputs += 1
        verdict = check(item)
        if isinstance(verdict, str):
            outcome.failed.append(verdict)
        else:
            outcome.accepted += verdict

    random.seed(seed)
    started = time.perf_counter()
    feed()
    outcome.seconds = time.perf_counter() - started
    return outcome


def loader_check(loader: Loader, folder: Path) -> Callable[[object], str | bool]:
    def check(item: object) -> str | bool:
        assert isinstance(item, bytes)
        try:
            return loader.read(folder, item)
        except Exception as exc:  # anything but AccompliceError is a crash: recorded with its input
            return f"{type(exc).__name__}: {str(exc)[:160]} <- {item[:120]!r}"

    return check


def endpoint_check(rig: UploadRig, endpoint: Endpoint) -> Callable[[object], str | bool]:
    def check(item: object) -> str | bool:
        assert isinstance(item, tuple)
        before = rig.counts()
        status = endpoint.send(rig, item)
        if status >= 500:
            return f"HTTP {status} <- {item[0]} {item[1][:120]!r}"
        if status >= 400 and rig.counts() != before:
            return f"HTTP {status} yet rows written <- {item[0]} {item[1][:120]!r}"
        return status < 400

    return check
