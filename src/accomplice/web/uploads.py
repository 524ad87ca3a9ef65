"""Reading an uploaded file from a multipart form, within the upload limit (HTTP 413 beyond it).

Shared by the Batch page and the JSON API (`POST /api/jobs`), so that both refuse the same files the
same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile

from accomplice.services import jobs as job_services

__all__ = ["read_upload", "upload_form", "upload_limit"]

# Bytes a multipart envelope adds around the file (boundaries, part headers, the small form fields):
# a request longer than the file limit plus this is refused before anything is read.
MULTIPART_SLACK_BYTES = 64 * 1024
# Reading the uploaded file in pieces of this size lets an over-long upload be refused as soon as it
# passes the limit, without holding more than the limit in memory.
READ_BYTES = 1024 * 1024
# Form fields besides the file: threshold, format, the CSRF token; a few more are tolerated.
MAX_FIELDS = 10


def _limit_error(size: int | str) -> HTTPException:
    return HTTPException(
        413, f"upload of {size} bytes refused; files are limited to {job_services.MAX_UPLOAD_BYTES:,} bytes"
    )


def upload_limit(request: Request) -> None:
    """A dependency: refuse an over-long upload by its declared length before the form is read.

    Declared on the route (`dependencies=[...]`), it runs before the permission check, whose CSRF check
    reads the form of a cookie-authenticated upload.
    """
    length = request.headers.get("content-length")
    if length is not None and (
        not length.isdigit() or int(length) > job_services.MAX_UPLOAD_BYTES + MULTIPART_SLACK_BYTES
    ):
        raise _limit_error(length[:20])


async def upload_form(request: Request) -> AsyncIterator[None]:
    """A route dependency for uploads: check the length, parse the form once (Starlette caches it on the
    request, for the CSRF check and the route), and close its spooled files whatever happens after.

    Declared first on the route (`dependencies=[Depends(upload_form)]`), it runs before the permission
    check, which reads the form's CSRF token and may refuse the request: the uploaded file is closed then
    too, instead of being left to the garbage collector.
    """
    upload_limit(request)
    form = await request.form(max_files=1, max_fields=MAX_FIELDS)
    try:
        yield
    finally:
        await form.close()


async def read_upload(request: Request) -> tuple[str, bytes, dict[str, str]]:
    """The uploaded file's name and bytes and the other form fields, refusing over-long uploads (413).

    The length is checked before the body is read (see `upload_form`, which the route declares and which
    closes the form); the file is then read in pieces and refused as soon as it passes the limit (a client
    may lie about the length or send it in chunks).
    """
    upload_limit(request)
    form = await request.form(max_files=1, max_fields=MAX_FIELDS)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(422, "send the file to screen as the multipart field `file`")
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(READ_BYTES):
        size += len(chunk)
        if size > job_services.MAX_UPLOAD_BYTES:
            raise _limit_error(f"more than {job_services.MAX_UPLOAD_BYTES:,}")
        chunks.append(chunk)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return upload.filename or "upload", b"".join(chunks), fields
