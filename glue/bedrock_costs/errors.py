"""Errors the command line turns into exit codes."""

from __future__ import annotations


class UsageError(Exception):
    """A bad argument or an invalid input file: exit 2, one line on stderr, nothing written."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file, self.row, self.column = file, row, column
        where = [
            part
            for part in (
                file,
                f"row {row}" if row else None,
                f"column {column}" if column else None,
            )
            if part
        ]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class AccountingError(RuntimeError):
    """The job's own accounting identity did not hold: a bug, never a data problem."""
