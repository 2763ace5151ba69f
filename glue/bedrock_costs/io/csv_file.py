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
    for row, cells in _records(reader, path):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            raise UsageError(
                f"expected {len(names)} fields, found {len(cells)}", file=path, row=row
            )
        for name, cell in zip(names, cells, strict=True):
            if "\n" in cell or "\r" in cell:  # no value has a line break: an unclosed quote
                raise UsageError(
                    "a quoted value runs over more than one line (a quote left open swallows "
                    "the rows after it)",
                    file=path,
                    row=row,
                    column=name,
                )
        yield CsvRow(path, row, {n: c.strip() for n, c in zip(names, cells, strict=True)})


def _records(reader: Iterator[list[str]], path: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a record spans lines inside quotes); the csv
    module's own errors (a value over its 128 KiB limit, ...) as the file's one-line error."""
    started = reader.line_num + 1  # type: ignore[attr-defined]
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UsageError(f"not readable as CSV: {exc}", file=path, row=started) from exc
        yield started, cells
        started = reader.line_num + 1  # type: ignore[attr-defined]
