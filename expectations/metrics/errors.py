"""The one error the audit mathematics raises on purpose."""

from collections.abc import Sequence


class AuditDataError(ValueError):
    """The data cannot be audited as asked; the message names the column, label or limit.

    Messages are composed by us from names and counts only, so they are safe to show in a
    report or an HTML page (unlike arbitrary library errors, which may quote data values).
    """


class MissingColumnError(AuditDataError):
    """A column the audit was told to use (protected attribute, target) is not in the data."""


#: How many column names a message lists before it says "and N more".
LISTED_NAMES = 8


def audit_columns_named(names: Sequence[str], columns: Sequence[str], what: str) -> list[str]:
    """``names`` without repeats, each checked to be an audit column: ``MissingColumnError``
    naming the others and listing the audit columns, ``what`` saying which setting named them."""
    chosen = list(dict.fromkeys(names))
    missing = [name for name in chosen if name not in columns]
    if missing:
        raise MissingColumnError(
            f"{what} column(s) {names_list(missing)} not among the audit columns (columns both the real and "
            f"the synthetic data have: {names_list(list(columns))})"
        )
    return chosen


def names_list(columns: list[str]) -> str:
    """Column names for a message, the first few quoted, then 'and N more'."""
    shown = ", ".join(f"'{c}'" for c in columns[:LISTED_NAMES])
    return shown + (f" and {len(columns) - LISTED_NAMES} more" if len(columns) > LISTED_NAMES else "")
