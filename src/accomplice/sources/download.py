"""Download the official lists into a local cache: conditional requests, checksums, atomic sets.

Each source (the OFAC SDN set, the OFAC Consolidated set, the UN list, the UK list) gets a folder under
the cache folder holding its files under the names the loaders expect, plus `<file>.meta.json` beside
each (url, sha256, size, fetched_at, ETag, Last-Modified). A download goes to a hidden staging folder
next to it; only when every file of the source has arrived and passed its checks does the staging folder
replace the live one, so an interrupted or failed download never leaves a half file or a mixed set.

Offline behaviour: when the publisher's host cannot be reached (no network, DNS failure, refused,
reset or timed-out connection, after retries), `download_source` returns the cached copy if a complete
one exists *and* the caller gave a `warn` callback, which is told so in one line; otherwise it raises
`OfflineError`. A cached copy is never used silently. Any other failure (an HTTP error status, a
truncated or malformed file) raises `DownloadError` and leaves the previous copy in place.

`docs/sources/download.md` lists the URLs, the cache layout and how to verify a download by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx
from defusedxml.ElementTree import ParseError, iterparse

from accomplice.errors import AccompliceError, DownloadError, OfflineError
from accomplice.lists.model import ProgressFn
from accomplice.sources.files import DOS_EOF

__all__ = [
    "BASE_URL_ENV",
    "OFAC_ADD_CSV_URL",
    "OFAC_ALT_CSV_URL",
    "OFAC_CONS_ADD_CSV_URL",
    "OFAC_CONS_ALT_CSV_URL",
    "OFAC_CONS_COMMENTS_CSV_URL",
    "OFAC_CONS_PRIM_CSV_URL",
    "OFAC_SDN_COMMENTS_CSV_URL",
    "OFAC_SDN_CSV_URL",
    "SOURCES",
    "UK_FCDO_SANCTIONS_LIST_CSV_URL",
    "UK_OFSI_CONLIST_CSV_URL",
    "UN_CONSOLIDATED_XML_URL",
    "FileMeta",
    "RemoteFile",
    "Source",
    "WarnFn",
    "check_ofac_comments_csv",
    "check_ofac_csv",
    "check_ofsi_csv",
    "check_un_xml",
    "download_all",
    "download_source",
]

# Called with one line when the caller should know something (a cached copy used offline, a frozen list).
WarnFn = Callable[[str], None]

# --- Official URLs --------------------------------------------------------------------------------
# OFAC Sanctions List Service, "SDN List" legacy CSV files.
# Publisher page: https://ofac.treasury.gov/sanctions-list-service
# (file descriptions: https://ofac.treasury.gov/specially-designated-nationals-list-data-formats-data-schemas)
OFAC_SLS_EXPORTS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports"
OFAC_SDN_CSV_URL = f"{OFAC_SLS_EXPORTS}/SDN.CSV"
OFAC_ADD_CSV_URL = f"{OFAC_SLS_EXPORTS}/ADD.CSV"
OFAC_ALT_CSV_URL = f"{OFAC_SLS_EXPORTS}/ALT.CSV"
OFAC_SDN_COMMENTS_CSV_URL = f"{OFAC_SLS_EXPORTS}/SDN_COMMENTS.CSV"
# OFAC Consolidated Sanctions List (non-SDN lists), same layout, from the same service.
# Publisher page: https://ofac.treasury.gov/consolidated-sanctions-list-non-sdn-lists
OFAC_CONS_PRIM_CSV_URL = f"{OFAC_SLS_EXPORTS}/CONS_PRIM.CSV"
OFAC_CONS_ADD_CSV_URL = f"{OFAC_SLS_EXPORTS}/CONS_ADD.CSV"
OFAC_CONS_ALT_CSV_URL = f"{OFAC_SLS_EXPORTS}/CONS_ALT.CSV"
OFAC_CONS_COMMENTS_CSV_URL = f"{OFAC_SLS_EXPORTS}/CONS_COMMENTS.CSV"
# United Nations Security Council Consolidated List (XML; the 1718 Committee's entries are KPi.*/KPe.*).
# Publisher page: https://www.un.org/securitycouncil/content/un-sc-consolidated-list
UN_CONSOLIDATED_XML_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
# HM Treasury / OFSI Consolidated List of Asset Freeze Targets, CSV in the layout of February 2022.
# Publisher page: https://www.gov.uk/government/publications/financial-sanctions-consolidated-list-of-targets
# Since 28 January 2026 the FCDO's UK Sanctions List is the only official UK list and this file is no
# longer updated (the URL still answers); see UK_FROZEN_NOTE and docs/sources/download.md.
UK_OFSI_CONLIST_CSV_URL = "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv"
# FCDO UK Sanctions List, CSV. Not downloaded: another layout (keyed by Unique ID), which the `uk` loader
# does not read yet. Publisher page: https://www.gov.uk/government/publications/the-uk-sanctions-list
UK_FCDO_SANCTIONS_LIST_CSV_URL = "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.csv"
# EU Financial Sanctions Files (FSF). Not downloaded; see EU_UNAVAILABLE.
# Publisher page: https://webgate.ec.europa.eu/fsd/fsf
EU_FSF_PAGE = "https://webgate.ec.europa.eu/fsd/fsf"

# Tests (and mirrors) point every download at another server that serves the same paths.
BASE_URL_ENV = "ACCOMPLICE_DOWNLOAD_BASE_URL"

UK_FROZEN_NOTE = (
    "uk: the OFSI Consolidated List has not been updated since 28 January 2026, when the FCDO UK "
    "Sanctions List became the only official UK list; the uk loader does not read that list's layout yet "
    "(see docs/sources/download.md)"
)
EU_UNAVAILABLE = (
    "eu: no official download in the layout the eu loader reads (EU Official Journal annex tables); the "
    f"EU Financial Sanctions Files ({EU_FSF_PAGE}) need a token and use another layout; "
    "load a local file instead: accomplice load eu PATH"
)

# --- Network behaviour ----------------------------------------------------------------------------
# Connecting should be quick; a read may wait on a slow government server, so it gets longer. The read
# timeout is per read, so it does not cap the length of a whole download.
CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 60.0
# Three attempts, 0.5 s then 1 s apart: enough to ride over a reset connection or a 502 from a load
# balancer, short enough that an offline user hears about it within seconds.
MAX_ATTEMPTS = 3
RETRY_BACKOFF_SECONDS = 0.5
# OFAC's service answers with redirects to its storage; a handful is normal, more is a loop.
MAX_REDIRECTS = 5
# The largest list today (the FCDO UK list) is about 50 MB; a stream far beyond that is not a list.
MAX_DOWNLOAD_BYTES = 500_000_000
CHUNK_BYTES = 64 * 1024
# How much of a file's start the format checks read.
HEAD_BYTES = 8192


def _user_agent() -> str:
    # Government servers refuse requests without a User-Agent; ours names the software.
    try:
        release = version("accomplice")
    except PackageNotFoundError:  # running from a source tree without installation
        release = "dev"
    return f"accomplice/{release} (open-source sanctions screening; list downloader)"


# --- What a download must look like ---------------------------------------------------------------
Check = Callable[[Path], str | None]


def _head_text(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    # latin-1 decodes any byte, so the check itself never fails on encoding; loaders decide encodings.
    return head.decode("latin-1")


def check_ofac_csv(path: Path) -> str | None:
    """An OFAC legacy CSV row starts with the entry number (ent_num), with no header line."""
    first = _head_text(path).split("\n", 1)[0].strip()
    field = first.split(",", 1)[0].strip().strip('"')
    if not field.isdigit():
        shown = field[:40] or first[:40]
        return f"first field is {shown!r}, not an entry number; this is not an OFAC legacy CSV file"
    return None


def check_ofac_comments_csv(path: Path) -> str | None:
    """A remarks overflow file may hold no rows at all (only the DOS end-of-file byte); else as above."""
    if not _head_text(path).strip().strip(DOS_EOF).strip():
        return None
    return check_ofac_csv(path)


UN_ROOT = "CONSOLIDATED_LIST"


def check_un_xml(path: Path) -> str | None:
    """The UN list is XML whose root element is CONSOLIDATED_LIST and which ends by closing it."""
    try:
        with path.open("rb") as fh:
            for _event, element in iterparse(fh, events=("start",)):
                root = element.tag
                break
            else:
                return "holds no XML element"
    except ParseError as exc:
        return f"is not well-formed XML ({exc})"
    if root != UN_ROOT:
        return f"root element is <{root}>, not <{UN_ROOT}>; this is not the UN consolidated list"
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 256))
        tail = fh.read().rstrip()
    if not tail.endswith(f"</{UN_ROOT}>".encode()):
        return f"does not end with </{UN_ROOT}>; the file is incomplete"
    return None


def check_ofsi_csv(path: Path) -> str | None:
    """The OFSI list opens with a 'Last Updated' line, then a header naming Group ID."""
    lines = _head_text(path).splitlines()
    first = lines[0] if lines else ""
    if first.startswith("Report Date"):
        return "is the FCDO UK Sanctions List layout, not the OFSI Consolidated List the uk loader reads"
    if not first.startswith("Last Updated") or len(lines) < 2 or "Group ID" not in lines[1]:
        return "does not open with 'Last Updated' and a header naming 'Group ID'; not the OFSI list CSV"
    return None


# --- Sources --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RemoteFile:
    url: str
    name: str  # the file's name in the cache folder, as the loader expects it
    check: Check


@dataclass(frozen=True, slots=True)
class Source:
    """One downloadable list: its files, the loader format that reads them, and what to hand it."""

    name: str  # folder under the cache dir
    format: str  # loader format name (`accomplice load <format>`)
    files: tuple[RemoteFile, ...]
    hand_over: Literal["folder", "file"]
    note: str | None = None  # told to the caller on every download

    def path_in(self, folder: Path) -> Path:
        return folder if self.hand_over == "folder" else folder / self.files[0].name


OFAC_SDN_SOURCE = Source(
    "ofac",
    "ofac",
    (
        RemoteFile(OFAC_SDN_CSV_URL, "sdn.csv", check_ofac_csv),
        RemoteFile(OFAC_ADD_CSV_URL, "add.csv", check_ofac_csv),
        RemoteFile(OFAC_ALT_CSV_URL, "alt.csv", check_ofac_csv),
        RemoteFile(OFAC_SDN_COMMENTS_CSV_URL, "sdn_comments.csv", check_ofac_comments_csv),
    ),
    "folder",
)
OFAC_CONS_SOURCE = Source(
    "ofac_cons",
    "ofac",
    (
        RemoteFile(OFAC_CONS_PRIM_CSV_URL, "cons_prim.csv", check_ofac_csv),
        RemoteFile(OFAC_CONS_ADD_CSV_URL, "cons_add.csv", check_ofac_csv),
        RemoteFile(OFAC_CONS_ALT_CSV_URL, "cons_alt.csv", check_ofac_csv),
        RemoteFile(OFAC_CONS_COMMENTS_CSV_URL, "cons_comments.csv", check_ofac_comments_csv),
    ),
    "folder",
)
UN_SOURCE = Source(
    "un", "un", (RemoteFile(UN_CONSOLIDATED_XML_URL, "consolidated.xml", check_un_xml),), "file"
)
UK_SOURCE = Source(
    "uk", "uk", (RemoteFile(UK_OFSI_CONLIST_CSV_URL, "conlist.csv", check_ofsi_csv),), "file", UK_FROZEN_NOTE
)

# In load order: each list's files, SDN before the Consolidated set so that `ofac` comes first.
SOURCES: dict[str, Source] = {s.name: s for s in (OFAC_SDN_SOURCE, OFAC_CONS_SOURCE, UN_SOURCE, UK_SOURCE)}


def _source(name: str) -> Source:
    if name == "eu":
        raise AccompliceError(EU_UNAVAILABLE)
    if name not in SOURCES:
        known = ", ".join(SOURCES)
        raise AccompliceError(f"no official download for {name!r}; downloadable: {known}, or load a file")
    return SOURCES[name]


# --- Cache metadata -------------------------------------------------------------------------------
META_SUFFIX = ".meta.json"


@dataclass(frozen=True, slots=True)
class FileMeta:
    """What we know of one cached file; written beside it as `<name>.meta.json`."""

    url: str
    sha256: str
    size: int
    fetched_at: str
    etag: str | None = None
    last_modified: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "url": self.url,
                "sha256": self.sha256,
                "size": self.size,
                "fetched_at": self.fetched_at,
                "etag": self.etag,
                "last_modified": self.last_modified,
            },
            indent=2,
        )

    @classmethod
    def read(cls, path: Path) -> FileMeta | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                url=str(raw["url"]),
                sha256=str(raw["sha256"]),
                size=int(raw["size"]),
                fetched_at=str(raw["fetched_at"]),
                etag=raw.get("etag"),
                last_modified=raw.get("last_modified"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a missing or damaged record only costs a full download


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cached_metas(folder: Path, source: Source) -> dict[str, FileMeta] | None:
    """The metadata of a complete cached copy whose files still match their checksums, or None."""
    if not folder.is_dir():
        return None
    metas: dict[str, FileMeta] = {}
    for remote in source.files:
        data = folder / remote.name
        meta = FileMeta.read(folder / (remote.name + META_SUFFIX))
        if meta is None or not data.is_file() or data.stat().st_size != meta.size:
            return None
        if _sha256_of(data) != meta.sha256:
            return None  # changed on disk since we fetched it: do not trust it, fetch afresh
        metas[remote.name] = meta
    return metas


# --- Failures -------------------------------------------------------------------------------------
class _Unreachable(Exception):
    """The host could not be reached (after retries): the caller may fall back to a cached copy."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason


class _Transient(Exception):
    """Worth another attempt: a 5xx answer or a body cut short."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split()) or "no reason given"


def _host_of(exc: httpx.HTTPError, fallback: str) -> str:
    try:
        return exc.request.url.host or fallback
    except RuntimeError:  # an error raised before any request was built
        return fallback


@dataclass(frozen=True, slots=True)
class _Fetched:
    """One file's outcome: unchanged (the cached copy stands) or a new, verified file in staging."""

    meta: FileMeta
    new: bool


# --- The downloader -------------------------------------------------------------------------------
class _Downloader:
    def __init__(
        self,
        cache_dir: Path,
        *,
        base_url: str | None,
        progress: ProgressFn | None,
        warn: WarnFn | None,
    ) -> None:
        self.cache_dir = cache_dir
        self.base_url = _check_base_url(base_url)
        self.progress = progress
        self.warn = warn

    def url_for(self, official: str) -> str:
        if not self.base_url:
            return official
        parts = urlsplit(official)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.base_url}{parts.path}{query}"

    def fetch(self, source: Source) -> Path:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        live = self.cache_dir / source.name
        _recover(self.cache_dir, source.name)
        cached = _cached_metas(live, source)
        staging = Path(tempfile.mkdtemp(prefix=f".{source.name}.staging-", dir=self.cache_dir))
        try:
            with httpx.Client(
                headers={"User-Agent": _user_agent(), "Accept-Encoding": "identity"},
                timeout=httpx.Timeout(READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
            ) as client:
                outcomes = {
                    remote.name: self._fetch_file(
                        client, source, remote, cached.get(remote.name) if cached else None, live, staging
                    )
                    for remote in source.files
                }
        except _Unreachable as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if cached is not None and self.warn is not None:
                fetched = min(m.fetched_at for m in cached.values())
                self.warn(
                    f"{source.name}: cannot reach {exc.host} ({exc.reason}); "
                    f"using the cached copy fetched {fetched} from {live}"
                )
                if source.note:
                    self.warn(source.note)
                return source.path_in(live)
            raise OfflineError(
                f"cannot reach {exc.host}: {exc.reason}; check the network, or load a local file instead: "
                f"accomplice load {source.format} PATH"
            ) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if any(o.new for o in outcomes.values()):
            _install(live, staging, outcomes)
        else:
            shutil.rmtree(staging, ignore_errors=True)  # every file unchanged: nothing is rewritten
        if source.note and self.warn is not None:
            self.warn(source.note)
        return source.path_in(live)

    def _fetch_file(
        self,
        client: httpx.Client,
        source: Source,
        remote: RemoteFile,
        cached: FileMeta | None,
        live: Path,
        staging: Path,
    ) -> _Fetched:
        url = self.url_for(remote.url)
        last: _Transient | None = None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if attempt > 1:
                time.sleep(RETRY_BACKOFF_SECONDS * 2 ** (attempt - 2))
            try:
                return self._get(client, source, remote, url, cached, live, staging)
            except _Transient as exc:
                last = exc
            except httpx.TooManyRedirects:
                raise DownloadError(
                    f"{url}: more than {MAX_REDIRECTS} redirects; the address may have moved"
                ) from None
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.RemoteProtocolError):
                    last = _Transient(
                        f"the connection closed before the file was complete ({_one_line(exc)})"
                    )
                    continue
                if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
                    raise DownloadError(f"{url}: {_one_line(exc)}") from None
                if attempt == MAX_ATTEMPTS:
                    raise _Unreachable(_host_of(exc, urlsplit(url).hostname or url), _reason(exc)) from None
        assert last is not None
        raise DownloadError(
            f"{url}: {last}; nothing was cached{_kept(source, live)}; try again later or load a local file"
        )

    def _get(
        self,
        client: httpx.Client,
        source: Source,
        remote: RemoteFile,
        url: str,
        cached: FileMeta | None,
        live: Path,
        staging: Path,
    ) -> _Fetched:
        headers: dict[str, str] = {}
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        stage = f"downloading {source.name}/{remote.name}"
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == httpx.codes.NOT_MODIFIED and cached is not None:
                if self.progress:
                    self.progress(stage, cached.size, cached.size)
                return _Fetched(cached, new=False)
            if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
                raise _Transient(f"the server answered {response.status_code} {response.reason_phrase}")
            if response.status_code != httpx.codes.OK:
                raise DownloadError(
                    f"{url}: the server answered {response.status_code} {response.reason_phrase}; "
                    f"nothing was cached{_kept(source, live)}; the address may have moved "
                    "(see docs/sources/download.md) or load a local file"
                )
            expected = _content_length(response)
            if expected is not None and expected > MAX_DOWNLOAD_BYTES:
                raise DownloadError(f"{url}: announces {expected:,} bytes, more than any sanctions list")
            part = staging / f"{remote.name}.part"
            digest = hashlib.sha256()
            with part.open("wb") as out:
                # Decoded bytes go to disk (we ask for no compression, but a server may use it anyway);
                # the announced length is compared with the bytes that came over the wire.
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    if response.num_bytes_downloaded > MAX_DOWNLOAD_BYTES:
                        raise DownloadError(f"{url}: more than {MAX_DOWNLOAD_BYTES:,} bytes; not a list")
                    if self.progress:
                        self.progress(stage, response.num_bytes_downloaded, expected or 0)
                out.flush()
                os.fsync(out.fileno())
            size = part.stat().st_size
            received = response.num_bytes_downloaded
            if expected is not None and received != expected:
                raise _Transient(f"received {received:,} of the {expected:,} bytes announced")
            meta = FileMeta(
                url=url,
                sha256=digest.hexdigest(),
                size=size,
                fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
        problem = "is empty" if size == 0 else remote.check(part)
        if problem is not None:
            raise DownloadError(
                f"{url}: the downloaded file {problem}; nothing was cached{_kept(source, live)}"
            )
        if cached is not None and cached.sha256 == meta.sha256:
            part.unlink()  # the server ignored our validators but sent the same bytes: keep the cached file
            return _Fetched(cached, new=False)
        os.replace(part, staging / remote.name)
        (staging / (remote.name + META_SUFFIX)).write_text(meta.to_json() + "\n", encoding="utf-8")
        return _Fetched(meta, new=True)


def _check_base_url(base_url: str | None) -> str | None:
    if not base_url:
        return None
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise AccompliceError(f"{BASE_URL_ENV}={base_url!r}: expected an http:// or https:// address")
    return base_url.rstrip("/")


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return _one_line(exc)


def _kept(source: Source, live: Path) -> str:
    if live.is_dir():
        again = f"accomplice load {source.format} {source.path_in(live)}"
        return f", the previous copy in {live} is kept ({again})"
    return ""


# --- Atomic installation of a set -----------------------------------------------------------------
def _old_dir(cache_dir: Path, name: str) -> Path:
    return cache_dir / f".{name}.old"


def _recover(cache_dir: Path, name: str) -> None:
    """Finish or undo an installation that a crash interrupted, and drop abandoned staging folders."""
    live, old = cache_dir / name, _old_dir(cache_dir, name)
    if old.is_dir():
        if live.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(old, live)  # crashed between the two renames: the previous set comes back
    for stale in cache_dir.glob(f".{name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _install(live: Path, staging: Path, outcomes: dict[str, _Fetched]) -> None:
    """Make `staging` (new files + links to unchanged ones) the live folder, as one set."""
    for name, outcome in outcomes.items():
        if outcome.new:
            continue
        for filename in (name, name + META_SUFFIX):
            try:
                os.link(live / filename, staging / filename)
            except OSError:  # file systems without hard links
                shutil.copy2(live / filename, staging / filename)
    old = _old_dir(live.parent, live.name)
    if live.is_dir():
        os.replace(live, old)
    os.replace(staging, live)
    _fsync_dir(live.parent)
    shutil.rmtree(old, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open folders; its renames are durable enough for a cache
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- Entry points ---------------------------------------------------------------------------------
def _base_url(base_url: str | None) -> str | None:
    if base_url is not None:
        return base_url
    from accomplice.settings import get_settings

    return get_settings().download_base_url


def download_source(
    fmt: str,
    cache_dir: Path,
    progress: ProgressFn | None = None,
    *,
    warn: WarnFn | None = None,
    base_url: str | None = None,
) -> Path:
    """Bring the cached copy of one official list up to date; return the path its loader reads.

    `fmt` is a loader format (`ofac` is the SDN set, `un`, `uk`) or a source name (`ofac_cons`). For
    `eu` there is no official download in the layout the loader reads: an AccompliceError says so.
    `base_url` (default: the ACCOMPLICE_DOWNLOAD_BASE_URL setting) replaces scheme and host of every
    official URL, keeping the path. With `warn`, an unreachable server falls back to a complete cached
    copy and says so; without it, that is an OfflineError.
    """
    source = _source(fmt)
    return _Downloader(cache_dir, base_url=_base_url(base_url), progress=progress, warn=warn).fetch(source)


def download_all(
    cache_dir: Path,
    progress: ProgressFn | None = None,
    *,
    warn: WarnFn | None = None,
    base_url: str | None = None,
) -> list[tuple[str, Path]]:
    """Download every official list that a loader reads; (format, path) pairs in load order.

    With `warn`, a source that fails is reported and skipped so the others still load (the EU is
    reported as not downloadable); if none succeeds, the first error is raised. Without `warn`, the
    first failure is raised.
    """
    downloader = _Downloader(cache_dir, base_url=_base_url(base_url), progress=progress, warn=warn)
    results: list[tuple[str, Path]] = []
    errors: list[AccompliceError] = []
    for source in SOURCES.values():
        try:
            results.append((source.format, downloader.fetch(source)))
        except AccompliceError as exc:
            if warn is None:
                raise
            warn(f"{source.name}: {exc}; skipped")
            errors.append(exc)
    if not results and errors:
        raise errors[0]
    if warn is not None:
        warn(EU_UNAVAILABLE)
    return results
