"""The one error the audit mathematics raises on purpose."""


class AuditDataError(ValueError):
    """The data cannot be audited as asked; the message names the column, label or limit.

    Messages are composed by us from names and counts only, so they are safe to show in a
    report or an HTML page (unlike arbitrary library errors, which may quote data values).
    """


class MissingColumnError(AuditDataError):
    """A column the audit was told to use (protected attribute, target) is not in the data."""


#: How many column names a message lists before it says "and N more".
LISTED_NAMES = 8


def names_list(columns: list[str]) -> str:
    """Column names for a message, the first few quoted, then 'and N more'."""
    shown = ", ".join(f"'{c}'" for c in columns[:LISTED_NAMES])
    return shown + (f" and {len(columns) - LISTED_NAMES} more" if len(columns) > LISTED_NAMES else "")
