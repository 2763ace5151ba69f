"""Reading small user-supplied CSV files with errors that name file, row and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.io.storage import read_text


@dataclass(frozen=True)
class CsvRow:
    """One data row; `row` counts like a spreadsheet: the header is row 1."""

    file: str
    row: int
    values: dict[str, str]

    def error(self, column: str | None, message: str) -> UsageError:
        return UsageError(message, file=self.file, row=self.row, column=column)


def read_rows(
    path: str, *, required: tuple[str, ...], optional: tuple[str, ...]
) -> Iterator[CsvRow]:
    """Yield the data rows of a UTF-8 CSV whose header may hold only the named columns."""
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read the file ({exc.__class__.__name__}: {exc})", file=path
        ) from exc
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise UsageError(
            f"empty file: expected a header row with {', '.join(required)}", file=path, row=1
        )
    names = [h.strip() for h in header]
    unknown = [n for n in names if n not in required + optional]
    if unknown:
        raise UsageError(
            f"unknown column {unknown[0]!r}; allowed: {', '.join(required + optional)}",
            file=path,
            row=1,
            column=unknown[0],
        )
    missing = [n for n in required if n not in names]
    if missing:
        raise UsageError(
            f"missing required column {missing[0]!r}", file=path, row=1, column=missing[0]
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UsageError("column appears twice in the header", file=path, row=1, column=repeated[0])
    for offset, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            raise UsageError(
                f"expected {len(names)} fields, found {len(cells)}", file=path, row=offset
            )
        yield CsvRow(path, offset, {n: c.strip() for n, c in zip(names, cells, strict=True)})
