"""The one error the audit mathematics raises on purpose."""


class AuditDataError(ValueError):
    """The data cannot be audited as asked; the message names the column, label or limit.

    Messages are composed by us from names and counts only, so they are safe to show in a
    report or an HTML page (unlike arbitrary library errors, which may quote data values).
    """


class MissingColumnError(AuditDataError):
    """A column the audit was told to use (protected attribute, target) is not in the data."""
