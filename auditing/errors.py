"""Errors the engine raises for a caller to show (CLI exit 2, API 4xx)."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: names the file, column or limit, never a raw value from the data."""


class UnregisteredExpectationError(RuntimeError):
    """The suite names audit expectation types GX could not load (it would drop them silently)."""
