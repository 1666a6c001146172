"""A spreadsheet of clients as a batch's variants: one row each, its columns the options.

Spreadsheets save CSV in many dialects: UTF-8 with or without a byte-order mark, commas or (in
much of Europe) semicolons, quoted cells holding line breaks. Python's csv module reads them all;
we pick the separator from the header row. Every problem names the file and the row's first
line (`clients.csv:26`), as a YAML batch names its line.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from booklet.base.errors import BookletError, Problem, shown
from booklet.base.files import read_bounded
from booklet.data.schema import did_you_mean

MAX_SHEET_BYTES = 16 * 1024 * 1024
MAX_ROWS = 10_000
MAX_CELL = 2_000
MAX_COLUMNS = 200  # a variant has some 35 options; more columns than this is not a client list
MAX_UNKNOWN_SHOWN = 5  # columns that are not options, each said with a hint; the rest counted


@dataclass
class SheetRow:
    line: int  # where the row starts in the file, 1-based
    options: dict[str, Any] = field(default_factory=dict)


def sheet_path(batch_file: Path, value: str) -> Path:
    """The CSV a batch names: a relative path inside the batch file's folder, nowhere else (a
    stranger's batch file must not read, and quote back, other files)."""
    relative = Path(value)
    base = batch_file.parent.resolve()
    if relative.is_absolute() or ".." in relative.parts:
        raise BookletError(
            f"'{shown(value)}' must be a file in the batch file's folder (no absolute path or "
            "'..'). Move the spreadsheet beside the batch file.",
            file=batch_file,
            field="variants",
        )
    path = (base / relative).resolve()
    if base not in path.parents:
        raise BookletError(
            f"'{shown(value)}' leads outside the batch file's folder. Move the spreadsheet "
            "beside it.",
            file=batch_file,
            field="variants",
        )
    if path.suffix.lower() != ".csv":
        raise BookletError(
            f"'{shown(value)}' is not a .csv file. Save the spreadsheet as CSV (UTF-8).",
            file=batch_file,
            field="variants",
        )
    return path


def read_sheet(path: Path, allowed: tuple[str, ...]) -> list[SheetRow]:
    """The rows of a CSV file as variant options; all problems at once, each at its row."""
    data = read_bounded(path, MAX_SHEET_BYTES, kind="spreadsheets")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BookletError(
            "is not UTF-8 text. Save the spreadsheet as 'CSV UTF-8'.", file=path, line=line
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    try:
        header = next(reader)
    except StopIteration:
        raise BookletError(
            "is empty. Give a header row, then a row per client.", file=path
        ) from None
    except csv.Error as exc:
        raise BookletError(f"cannot be read as CSV: {exc}.", file=path, line=1) from None
    if len(header) > MAX_COLUMNS:  # before looking at any: each check below is per column
        raise BookletError(
            f"the header row has {len(header)} columns; the limit is {MAX_COLUMNS}. Keep only "
            f"the option columns ({', '.join(allowed[:3])}, …).",
            file=path,
            line=1,
        )
    columns = [c.strip() for c in header]
    unknown = [c for c in columns if c and c not in allowed]
    for index, name in enumerate(columns, start=1):
        if not name:
            problems.append(Problem(f"column {index} has no name in the header row.", path, 1))
        elif name not in allowed and name in unknown[:MAX_UNKNOWN_SHOWN]:
            hint = did_you_mean(name, allowed)
            problems.append(
                Problem(
                    f"column '{shown(name)}' is not an option.{hint} Columns: "
                    f"{', '.join(allowed)}.",
                    path,
                    1,
                )
            )
    if len(unknown) > MAX_UNKNOWN_SHOWN:
        problems.append(
            Problem(
                f"{len(unknown) - MAX_UNKNOWN_SHOWN} more columns are not options either.", path, 1
            )
        )
    counts = Counter(columns)
    twice = sorted(c for c, n in counts.items() if n > 1 and c)
    if twice:
        problems.append(Problem(f"column '{shown(twice[0])}' appears twice. Keep one.", path, 1))
    if problems:
        from booklet.base.errors import ValidationError

        raise ValidationError(problems)
    rows: list[SheetRow] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BookletError(f"cannot be read as CSV: {exc}.", file=path, line=start) from None
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns):
            raise BookletError(
                f"has {len(cells)} cells but the header names {len(columns)} columns. Check "
                f"the separator ('{delimiter}') and the quotes.",
                file=path,
                line=start,
            )
        if len(rows) >= MAX_ROWS:
            raise BookletError(f"has more than {MAX_ROWS} rows. Split it.", file=path, line=start)
        options: dict[str, Any] = {}
        for name, cell in zip(columns, cells, strict=False):
            value = cell.strip()
            if len(value) > MAX_CELL:
                raise BookletError(
                    f"the {name} cell is {len(value)} characters; the limit is {MAX_CELL}.",
                    file=path,
                    line=start,
                )
            if value:
                options[name] = value.split() if name == "techniques" else value
        rows.append(SheetRow(start, options))
    if not rows:
        raise BookletError("has a header but no rows. Add a row per client.", file=path)
    return rows
