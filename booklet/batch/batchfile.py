"""A batch file: its variants (YAML, or a spreadsheet's rows), each option read by the options
catalogue, and the output names its pattern makes. All problems are found in one pass, each at
its file and line."""

from __future__ import annotations

import fnmatch
import functools
import itertools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from booklet.base.errors import BookletError, Problem, ValidationError, shown
from booklet.batch.work import (
    JOB_KEYS,
    Variant,
)
from booklet.data.schema import Reader, did_you_mean, type_name
from booklet.data.yamlfile import Document, join, load_yaml
from booklet.products.options import ALIASES, KEYS

MAX_VARIANTS = 10_000
DEFAULT_PATTERN = "{name}.pdf"
# A variant's keys: what to make, then every option of the catalogue (booklet.products.options)
# and the older names it still accepts.
VARIANT_KEYS = (*JOB_KEYS, *sorted(KEYS), *sorted(ALIASES))
# One part of an output path: a letter, digit or '_', then those, '.' and '-'. Matched with
# fullmatch, never `$` (which also matches before a final line break: a folder named "evil\n").
_SAFE_NAME = re.compile(r"[\w][\w.\-]*")
MAX_PATTERN = 200  # characters in an output name pattern
MAX_OUTPUT = 400  # characters in an output's path, relative to the output folder
MAX_OUTPUT_PART = 255  # bytes (UTF-8) in one file or folder name: what file systems allow


@dataclass
class BatchPlan:
    file: Path
    variants: list[Variant] = field(default_factory=list)


# --- reading and expanding ------------------------------------------------------------------


def load_batch(path: Path) -> BatchPlan:
    doc = load_yaml(path)
    problems: list[Problem] = []
    r = Reader(doc, problems)
    data = r.fields(doc.data, "", ("variants",), ("defaults", "output"), "a batch file")
    if data is None:
        raise ValidationError(problems)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        r.problem("defaults", f"expected option fields, got {type_name(defaults)}.")
        defaults = {}
    _check_keys(r, defaults, "defaults")
    pattern = data.get("output", DEFAULT_PATTERN)
    if not isinstance(pattern, str) or not pattern.strip():
        r.problem("output", "expected a file name pattern such as '{name}-{size}.pdf'.")
        pattern = DEFAULT_PATTERN
    elif (bad := pattern_problem(pattern)) is not None:
        r.problem("output", bad)  # said once, at the pattern's line, not once per variant
        raise ValidationError(problems)
    raw = data.get("variants")
    if isinstance(raw, str) and raw.strip():
        rows = sheet_variants(path, raw.strip(), defaults, pattern, doc, r)
        _check_unique(r, rows)
        if problems:
            raise ValidationError(_once(problems))
        return BatchPlan(path, rows)
    if not isinstance(raw, list) or not raw:
        r.problem(
            "variants",
            f"expected a list of variants or a CSV file's name, got {type_name(raw)}.",
        )
        raise ValidationError(problems)
    variants: list[Variant] = []
    for i, item in enumerate(raw):
        path_i = join("variants", i)
        if not isinstance(item, dict):
            r.problem(path_i, f"expected the fields of a variant, got {type_name(item)}.")
            continue
        _check_keys(r, item, path_i)
        if "name" not in item and "name" not in defaults:
            r.problem(path_i, "missing required field 'name'. Give each variant a name.")
            continue
        merged = {**defaults, **item}
        names = merged["name"] if isinstance(merged["name"], list) else [merged["name"]]
        if not names or not all(isinstance(n, str | int) and str(n).strip() for n in names):
            r.problem(join(path_i, "name"), "expected a name (text), such as 'classic'.")
            continue
        for options in expand(merged):
            if len(variants) >= MAX_VARIANTS:
                r.problem("variants", f"expands to more than {MAX_VARIANTS} variants. Split it.")
                raise ValidationError(problems)
            name = str(options["name"])
            at = (  # where the pattern this variant uses is written
                join(path_i, "output")
                if "output" in item
                else "defaults.output"
                if "output" in defaults
                else "output"
            )
            output = output_name(options.get("output", pattern), options, doc, path_i, r, at)
            if output is not None:
                lines = {
                    key: doc.line(join(path_i, key) if key in item else join("defaults", key))
                    for key in options
                }
                where = {k: v for k, v in lines.items() if v is not None}
                variants.append(Variant(name, options, output, str(path), where))
    _check_unique(r, variants)
    if problems:
        raise ValidationError(_once(problems))
    return BatchPlan(path, variants)


def _once(problems: list[Problem]) -> list[Problem]:
    """Each problem once: a pattern many variants share is wrong once, at its line."""
    return list(dict.fromkeys(problems))


def sheet_variants(
    path: Path, name: str, defaults: dict[str, Any], pattern: Any, doc: Document, r: Reader
) -> list[Variant]:
    """A variant per row of a CSV file (booklet.batch.sheet), over the batch's defaults."""
    from booklet.batch.sheet import read_sheet, sheet_path

    sheet = sheet_path(path, name)
    allowed = tuple(k for k in VARIANT_KEYS if k != "output")
    variants: list[Variant] = []
    for row in read_sheet(sheet, allowed):
        merged = {**defaults, **row.options}
        merged.setdefault("name", row.options.get("client") or f"row{row.line}")
        for options in expand(merged):
            if len(variants) >= MAX_VARIANTS:
                r.problem("variants", f"expands to more than {MAX_VARIANTS} variants. Split it.")
                return variants
            shown_options = {k: _slug(v) if k in row.options else v for k, v in options.items()}
            output = output_name(pattern, shown_options, doc, "output", r)
            if output is not None:
                lines = {key: row.line for key in options}
                variants.append(Variant(str(options["name"]), options, output, str(sheet), lines))
    return variants


def _slug(value: Any) -> Any:
    """A spreadsheet cell in a file name: 'Maria Lopez' becomes 'Maria-Lopez'."""
    if isinstance(value, str):
        return re.sub(r"[^\w.\-]+", "-", value).strip("-.") or "x"
    return value


def _check_keys(r: Reader, data: dict[str, Any], path: str) -> None:
    r.unknown_keys(data, path, VARIANT_KEYS, noun="option")


def expand(options: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A list value means one variant per item; `techniques` is itself a list, so only a list
    of lists expands there."""
    axes = []
    for key, value in options.items():
        if key == "techniques":
            values = value if value and all(isinstance(v, list) for v in value) else [value]
        else:
            values = value if isinstance(value, list) else [value]
        axes.append([(key, v) for v in values])
    for combo in itertools.product(*axes):
        yield dict(combo)


@functools.lru_cache(maxsize=256)
def pattern_problem(pattern: str) -> str | None:
    """What is wrong with an output name pattern, or None. A pattern is text and plain
    fields ({name}, {size}): no format spec ({name:>300000000} would build a name of 300 MB),
    no conversion ({name!r}), no index or attribute ({0}, {name.attr}, {name[0]})."""
    quoted = shown(pattern)
    if len(pattern) > MAX_PATTERN:
        return (
            f"output pattern '{quoted}' is {len(pattern)} characters long; the limit is "
            f"{MAX_PATTERN}. Shorten it."
        )
    try:
        pieces = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        return (
            f"output pattern '{quoted}' is not valid: {exc}. Write fields as {{name}}, and a "
            "brace meant as text twice ({{ or }})."
        )
    for _, used, spec, conversion in pieces:
        if used is None:
            continue
        if not re.fullmatch(r"[a-z_]+", used):
            return (
                f"output pattern '{quoted}' has {{{shown(used)}}}; use option names "
                "such as {name} or {size}."
            )
        if conversion:
            return (
                f"output pattern '{quoted}' uses a conversion '!{shown(conversion)}'; use plain "
                "fields such as {name}."
            )
        if spec:
            return (
                f"output pattern '{quoted}' uses a format spec ':{shown(spec)}'; use plain "
                "fields such as {name}."
            )
    return None


def output_name(
    pattern: Any,
    options: dict[str, Any],
    doc: Document,
    where: str,
    r: Reader,
    pattern_at: str | None = None,
) -> str | None:
    """The output path of one variant, from its pattern; a problem with the pattern itself
    is said at `pattern_at` (the pattern's line), one with this variant's values at `where`."""
    pattern_at = pattern_at or where
    if not isinstance(pattern, str) or not pattern.strip():
        r.problem(pattern_at, "output: expected a file name pattern such as '{name}-{size}.pdf'.")
        return None
    bad = pattern_problem(pattern)
    if bad is not None:
        r.problem(pattern_at, bad)
        return None
    fields = {k.replace("-", "_"): v for k, v in options.items()}
    fields.setdefault("kind", "card")
    values: dict[str, str] = {}
    length = 0
    for literal, used, _, _ in string.Formatter().parse(pattern):
        length += len(literal)
        if used is None:
            continue
        if used not in fields:
            r.problem(
                where,
                f"output pattern '{shown(pattern)}' uses '{used}', which this variant does "
                "not set.",
            )
            return None
        if used not in values:
            values[used] = _display(fields[used], MAX_OUTPUT + 1)
        length += len(values[used])
    if length > MAX_OUTPUT:  # said before the name is built: a name can be no longer
        r.problem(
            where,
            f"output pattern '{shown(pattern)}' makes a name longer than {MAX_OUTPUT} "
            "characters for this variant. Use shorter fields in the pattern.",
        )
        return None
    name = pattern.format(**values)
    if not name.endswith(".pdf"):
        name += ".pdf"
    if not safe_output(name):
        r.problem(
            where,
            f"output '{shown(name, 80)}' would be written outside the output folder, has unsafe "
            "characters or a name too long for a file. Use letters, digits, '-', '_' and '.' in "
            "a relative path.",
        )
        return None
    return name


def _display(value: Any, limit: int | None = None) -> str:
    """A value as it goes into a file name; with `limit`, no more than that is built."""
    if isinstance(value, list):
        items = value if limit is None else value[:limit]
        text = "+".join(str(v) if limit is None else str(v)[:limit] for v in items)
    else:
        text = str(value)
    return text if limit is None else text[:limit]


def _check_unique(r: Reader, variants: list[Variant]) -> None:
    seen: dict[str, Variant] = {}
    for v in variants:
        key = v.output.lower()
        if key in seen:
            r.problem(
                "variants",
                f"variants '{shown(seen[key].name)}' and '{shown(v.name)}' would both write "
                f"{shown(v.output, 80)}. Add a "
                "field such as {size} to the output pattern, or rename one.",
            )
        seen.setdefault(key, v)
    for v in variants:  # `a.pdf` and `a.pdf/b.pdf`: one would need the other as a folder
        parts = Path(v.output.lower()).parts
        for end in range(1, len(parts)):
            folder = "/".join(parts[:end])
            if folder in seen:
                other = seen[folder]
                r.problem(
                    "variants",
                    f"variant '{shown(v.name)}' writes {shown(v.output, 80)} inside "
                    f"{shown(other.output, 80)}, which variant '{shown(other.name)}' writes as a "
                    "file. Change one output pattern.",
                )
                break


def safe_output(name: str) -> bool:
    """A relative path inside the output folder, of plain names each short enough for a file
    system, ending in .pdf."""
    if len(name) > MAX_OUTPUT or not name.endswith(".pdf"):
        return False
    parts = Path(name).parts
    return (
        bool(parts)
        and not Path(name).is_absolute()
        and "/".join(parts) == name  # no doubled or trailing separators, no "./"
        and all(
            _SAFE_NAME.fullmatch(p) and len(p.encode("utf-8")) <= MAX_OUTPUT_PART for p in parts
        )
    )


def select(variants: list[Variant], only: str | None) -> list[Variant]:
    if not only:
        return variants
    chosen = [v for v in variants if fnmatch.fnmatchcase(v.name, only)]
    if not chosen:
        names = sorted({v.name for v in variants})
        raise BookletError(
            f"no variant matches --only '{shown(only)}'.{did_you_mean(only, names)} "
            f"Variants: {', '.join(shown(n) for n in names[:20])}."
        )
    return chosen
