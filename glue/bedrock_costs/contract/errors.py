"""Errors the command line turns into exit codes.

Exit codes, the same for every command: 0 the command completed (quarantined or unpriced
records and `warn` quality checks included, the summary says so); 1 the run failed (its own
accounting identity did not hold, or an unexpected error: nothing published); 2 a usage error
or an invalid input file (nothing written); 3 a `fail` data-quality check did not hold (the
quality results are written, the tables and the catalog are untouched).
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_QUALITY = 0, 1, 2, 3


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


class PublishConflict(RuntimeError):
    """Another run published to a table after this run started: this run published nothing
    (exit 1; run it again)."""


class QualityGateError(RuntimeError):
    """A `fail` data-quality check did not hold: nothing was published (exit 3)."""

    def __init__(
        self, run_id: str, failed: Sequence[str], lines: Sequence[str], saved_to: str
    ) -> None:
        self.run_id, self.failed, self.lines, self.saved_to = (
            run_id,
            list(failed),
            list(lines),
            saved_to,
        )
        super().__init__(f"quality gate failed ({', '.join(failed)}); nothing was published")
