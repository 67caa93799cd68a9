"""Errors the engine raises for a caller to show (CLI exit 2, API 4xx).

Each input error has a stable ``kind``: the API turns it into the ``type`` of an RFC 9457 problem
and its HTTP status. Messages name the file, column or limit, never a value from the data or a
URL's query string.
"""

from __future__ import annotations

from typing import ClassVar


class InputError(ValueError):
    """Bad input: names the file, column or limit, never a raw value from the data."""

    kind: ClassVar[str] = "invalid-input"


class BadLocation(InputError):
    """An input location that is malformed or of a form this service never reads."""

    kind: ClassVar[str] = "bad-location"


class LocationNotAllowed(InputError):
    """A well-formed location outside what this deployment may read (bucket, address, folder)."""

    kind: ClassVar[str] = "not-allowed"


class InputTooLarge(InputError):
    """An input above a configured cap; the message names the cap, ``limit`` which one it is
    (``bytes``, ``rows`` or ``columns``)."""

    kind: ClassVar[str] = "too-large"

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class UnreadableInput(InputError):
    """An input that is empty, truncated or neither CSV nor Parquet."""

    kind: ClassVar[str] = "unreadable-file"


class InputUnavailable(InputError):
    """An input that could not be fetched (absent, refused, timed out, redirected)."""

    kind: ClassVar[str] = "input-unavailable"


class UnknownColumn(InputError):
    """A named column (protected attribute, target) that the data does not have."""

    kind: ClassVar[str] = "unknown-column"


def __getattr__(name: str) -> type:
    """``UnregisteredExpectationError`` lives with the checkpoints' own guard
    (``expectations.completeness``), one class for both; looked up on first use so that importing
    the input errors never loads Great Expectations."""
    if name == "UnregisteredExpectationError":
        from expectations.completeness import UnregisteredExpectationError

        return UnregisteredExpectationError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
