"""Errors that reach users as one readable line, never as a traceback."""

from __future__ import annotations

__all__ = ["AccompliceError", "DownloadError", "InputError", "NotFoundError", "OfflineError", "TooLongError"]


class AccompliceError(Exception):
    """Base of every error accomplice reports to a user; ``str()`` is the whole message."""


class InputError(AccompliceError):
    """A file we were asked to read is malformed, wrongly encoded, hostile or of the wrong kind.

    The message names the file and, where known, the line (or XML element) so that the user can open
    the file at the right place.
    """

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class TooLongError(InputError):
    """A text over a length limit, said as a whole sentence with its subject: "The name is 5,000 characters
    long; at most 500 are screened." `path` names the field (query, q, --name) for the API's field errors."""

    def __init__(self, path: str, subject: str, length: int, limit: int, verb: str = "screened") -> None:
        super().__init__(path, f"{subject} is {length:,} characters long; at most {limit:,} are {verb}.")

    def __str__(self) -> str:
        return self.reason


class NotFoundError(AccompliceError):
    """A key, list or version that the store does not hold."""


class OfflineError(AccompliceError):
    """A download was asked for and the network (or the official server) cannot be reached."""


class DownloadError(AccompliceError):
    """A server was reached but the download failed: an error status, a truncated or malformed file.

    Nothing is cached from a failed download; the previous cached copy, if any, stays in place.
    """
