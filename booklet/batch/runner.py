"""Batches: many cards and booklets from one file, in parallel, resumable, nothing lost.

A batch file has `defaults`, `variants` and an output name pattern. A list value expands into
one variant per item (the cross product across keys). Each variant is rendered by the same
pipeline as `booklet card` or `booklet book`, in a process pool whose workers load the library
once. `manifest.json` records every variant; a re-run skips what is unchanged on disk.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import hashlib
import itertools
import json
import os
import re
import stat
import string
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from booklet import __version__
from booklet.base.errors import BookletError, Problem, Terminated, ValidationError, shown
from booklet.base.files import (
    folder_lock,
    leftover_temp_files,
    make_folders_within,
    read_bounded,
    sha256_of_regular_file,
    walk_files,
    write_atomic,
)
from booklet.batch.cluster import LIBRARY_SUFFIXES, check_scheduler, read_limit
from booklet.batch.work import (
    JOB_KEYS,
    Variant,
    make_request,
    run_in_jail,
    with_logo_resolved,
)
from booklet.data.schema import Reader, did_you_mean, type_name
from booklet.data.yamlfile import Document, join, load_yaml
from booklet.products.options import ALIASES, KEYS

MAX_VARIANTS = 10_000
MANIFEST = "manifest.json"
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
class Result:
    name: str
    output: str
    options: dict[str, Any]
    fingerprint: str
    status: str  # built, skipped, failed
    pages: int | None = None
    sha256: str | None = None
    error: str | None = None
    seconds: float = 0.0

    def manifest_entry(self) -> dict[str, Any]:
        """The entry as the manifest holds it: every text within the bounds read_manifest
        accepts (a failed variant's options may be anything its batch file said)."""
        return {
            "name": _clip(self.name, MANIFEST_TEXT),
            "options": _manifest_options(self.options),
            "output": self.output,
            "pages": self.pages,
            "sha256": self.sha256,
            "fingerprint": self.fingerprint,
            "status": "failed" if self.status == "failed" else "ok",
            "error": None if self.error is None else _clip(self.error, MANIFEST_ERROR),
        }


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
    if not _safe_output(name):
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


# --- fingerprints and the manifest ----------------------------------------------------------


MAX_LIBRARY_BYTES = 512 << 20  # all the files of all the libraries of one batch


def library_fingerprint(roots: list[Path]) -> str:
    """Every file booklet reads from every library, by path and content, plus the version.
    Reads are bounded, links to folders are not followed, and the walk refuses folders nested
    deeper, or more files, than any library has (booklet.base.files.walk_files)."""
    digest = hashlib.sha256(__version__.encode())
    total = 0
    for index, root in enumerate(roots):
        for sub in ("techniques", "layouts"):
            folder = root / sub
            if not folder.is_dir():
                continue
            for path in walk_files(folder, LIBRARY_SUFFIXES):
                digest.update(f"{index}:{path.relative_to(root)}".encode())
                try:
                    data = read_bounded(path, read_limit(path, 1 << 20))
                    digest.update(hashlib.sha256(data).digest())
                    total += len(data)
                except BookletError as exc:  # loading the library reports it properly
                    digest.update(str(exc).encode())
                if total > MAX_LIBRARY_BYTES:
                    raise BookletError(
                        f"the library files come to more than {MAX_LIBRARY_BYTES >> 20} MB; "
                        "a batch reads no more. Trim the library.",
                        file=root,
                    )
    return digest.hexdigest()


def variant_fingerprint(variant: Variant, library_print: str) -> str:
    text = json.dumps(
        {"options": variant.options, "output": variant.output}, sort_keys=True, default=str
    )
    return hashlib.sha256((library_print + text).encode()).hexdigest()[:32]


# The manifest, as booklet writes it and as it reads it back: the same bounds both ways, so
# a manifest is never rewritten larger than booklet would have written it. Two full batches
# may share a folder; a manifest larger than this (only a stranger's, or a folder shared by
# many batches with long options) is not used: every variant is built again.
MAX_MANIFEST_ENTRIES = 2 * MAX_VARIANTS
MAX_MANIFEST_BYTES = MAX_VARIANTS * 2048  # about 20 MB; a variant's entry is about 400 bytes
MAX_MANIFEST_DEPTH = 8  # booklet writes 5: the file, variants, an entry, options, a list
MANIFEST_TEXT = 500  # characters in a name or an option's text (a note is at most 400)
MANIFEST_LIST = 40  # items in an option's list (a routine has at most 40 steps)
MANIFEST_ITEM = 80  # characters in an item of a list, or an option's name (ids: 64 at most)
MANIFEST_ERROR = 1000  # characters of a failed variant's error
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_HEX = re.compile(r"[0-9a-f]*")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _manifest_value(value: Any, limit: int = MANIFEST_TEXT) -> Any:
    """An option's value within the manifest's bounds: a scalar, or a list of scalars."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list) and limit == MANIFEST_TEXT:
        return [_manifest_value(v, MANIFEST_ITEM) for v in value[:MANIFEST_LIST]]
    return _clip(str(value), limit)


def _manifest_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        _clip(str(k), MANIFEST_ITEM): _manifest_value(v)
        for k, v in list(options.items())[: len(VARIANT_KEYS)]
    }


def _manifest_scalar(value: Any, limit: int) -> bool:
    return (
        value is None
        or isinstance(value, bool | int | float)
        or (isinstance(value, str) and len(value) <= limit)
    )


def _manifest_entry(entry: Any) -> dict[str, Any] | None:
    """An entry of the shape booklet writes, within its bounds, or None."""
    if not isinstance(entry, dict):
        return None
    name, output, options = entry.get("name"), entry.get("output"), entry.get("options")
    pages, sha, fingerprint = entry.get("pages"), entry.get("sha256"), entry.get("fingerprint")
    status, error = entry.get("status"), entry.get("error")
    fits = (
        isinstance(name, str)
        and len(name) <= MANIFEST_TEXT
        and isinstance(output, str)
        and _safe_output(output)
        and isinstance(options, dict)
        and len(options) <= len(VARIANT_KEYS)
        and all(
            isinstance(k, str)
            and len(k) <= MANIFEST_ITEM
            and (
                _manifest_scalar(v, MANIFEST_TEXT)
                or (
                    isinstance(v, list)
                    and len(v) <= MANIFEST_LIST
                    and all(_manifest_scalar(i, MANIFEST_ITEM) for i in v)
                )
            )
            for k, v in options.items()
        )
        and (pages is None or (type(pages) is int and 0 <= pages <= 1_000_000))
        and (sha is None or (isinstance(sha, str) and len(sha) == 64 and _HEX.fullmatch(sha)))
        and isinstance(fingerprint, str)
        and len(fingerprint) <= 64
        and _HEX.fullmatch(fingerprint)
        and status in ("ok", "failed")
        and (error is None or (isinstance(error, str) and len(error) <= MANIFEST_ERROR))
    )
    if not fits:
        return None
    return {
        "name": name,
        "options": options,
        "output": output,
        "pages": pages,
        "sha256": sha,
        "fingerprint": fingerprint,
        "status": status,
        "error": error,
    }


def _manifest_shape_problem(text: str) -> str | None:
    """Why this JSON text cannot be booklet's manifest, found before it is parsed: nesting
    deeper than a manifest's, or more lists, mappings and values than its entries could hold
    (a parser builds them all, and a few megabytes of `[[],[],…]` are millions of objects)."""
    skeleton = _JSON_STRING.sub("", text)
    brackets = re.sub(r"[^\[\]{}]", "", skeleton)
    for _ in range(MAX_MANIFEST_DEPTH):  # each pass takes away the innermost pairs
        brackets = re.sub(r"\[\]|\{\}", "", brackets)
    if brackets:
        return f"it nests deeper than the {MAX_MANIFEST_DEPTH} levels of a manifest"
    containers = skeleton.count("[") + skeleton.count("{")
    if containers > 4 * MAX_MANIFEST_ENTRIES + 16:
        return f"it holds {containers} lists and mappings, more than a manifest's entries"
    if skeleton.count(",") + skeleton.count(":") > 120 * MAX_MANIFEST_ENTRIES:
        return "it holds more values than a manifest's entries"
    return None


def _note_on_stderr(message: str) -> None:
    import sys

    print(message, file=sys.stderr)


def read_manifest(
    folder: Path, note: Callable[[str], None] | None = _note_on_stderr
) -> dict[str, dict[str, Any]]:
    """The entries of an earlier run's manifest that make sense. An entry of another shape
    (no name, an output that is not a safe relative path, a field too long) only means that
    variant cannot be skipped: it is built again. A manifest that is not usable at all (too
    large, too deep, not JSON) means every variant is built again, said in one line by `note`;
    it is read bounded and checked before it is parsed, and never causes an error."""
    from booklet.base.errors import display_path

    path = folder / MANIFEST
    if not os.path.lexists(path):
        return {}

    def unusable(reason: str) -> dict[str, dict[str, Any]]:
        if note is not None:
            note(
                f"Note: {display_path(path)}: {reason}; no usable manifest, so every variant "
                "is built again."
            )
        return {}

    try:
        info = os.lstat(path)
    except OSError as exc:
        return unusable(f"it cannot be read ({exc.strerror or exc})")
    if stat.S_ISLNK(info.st_mode):  # booklet writes none, and would not write through one
        return unusable("it is a symbolic link")
    size = info.st_size
    if size > MAX_MANIFEST_BYTES:  # looked at before a byte is read
        return unusable(
            f"it is {size / 1e6:.0f} MB, more than the {MAX_MANIFEST_BYTES / 1e6:.0f} MB "
            "booklet writes at most"
        )
    try:
        raw = read_bounded(path, MAX_MANIFEST_BYTES, kind="manifests")
    except BookletError as exc:
        return unusable(exc.problem.message.rstrip("."))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return unusable("it is not UTF-8 text")
    del raw
    problem = _manifest_shape_problem(text)
    if problem is not None:
        return unusable(problem)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return unusable("it is not valid JSON")
    entries = data.get("variants") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return unusable("it has no list of variants")
    kept: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if len(kept) >= MAX_MANIFEST_ENTRIES:
            break
        usable = _manifest_entry(entry)
        if usable is not None:
            kept[usable["output"]] = usable
    return kept


def _safe_output(name: str) -> bool:
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


def write_manifest(folder: Path, batch: Path, results: dict[str, Result]) -> None:
    """One variant a line: easy to read and to diff, and quick to write (json's indent option
    falls back to its slow pure-Python encoder, which cost a 1,000-card batch a third of a
    second of the parent's time)."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, default=str)

    entries = ",\n    ".join(dump(results[k].manifest_entry()) for k in sorted(results))
    variants = f"[\n    {entries}\n  ]" if entries else "[]"
    text = (
        f'{{\n  "booklet": {dump(__version__)},\n  "batch": {dump(str(batch))},\n'
        f'  "variants": {variants}\n}}\n'
    )
    write_atomic(folder / MANIFEST, text.encode("utf-8"))


def file_sha256(path: Path) -> str | None:
    return sha256_of_regular_file(path)


def is_unchanged(entry: dict[str, Any] | None, fingerprint: str, target: Path) -> bool:
    return (
        entry is not None
        and entry.get("status") == "ok"
        and entry.get("fingerprint") == fingerprint
        and entry.get("sha256") is not None
        and file_sha256(target) == entry["sha256"]
    )


def remove_leftovers(folder: Path) -> int:
    """Temporary files of an earlier run that was killed before it could tidy up."""
    removed = 0
    for path in leftover_temp_files(folder):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


def _count_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def run_batch(
    plan: BatchPlan,
    folder: Path,
    roots: list[Path],
    *,
    jobs: int,
    force: bool,
    only: str | None,
    report: Callable[[Result, int, int], None],
    scheduler: str | None = None,
) -> list[Result]:
    """Build every variant not already up to date; always leave a manifest true to the disk."""

    # Everything that can be refused is refused before anything is created: the output
    # folder, its lock and a manifest appear only for a batch that can run.
    if scheduler:
        check_scheduler(scheduler)
    variants = select(plan.variants, only)
    library_print = library_fingerprint([_builtin(), *roots])
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BookletError(
            f"cannot create the output folder: {exc.strerror or exc}. Choose another -o folder.",
            file=folder,
        ) from None
    if not folder.is_dir():
        raise BookletError("is not a folder. Choose another -o folder.", file=folder)
    if not os.access(folder, os.W_OK):
        raise BookletError("folder is not writable. Choose another -o folder.", file=folder)
    with folder_lock(folder), terminate_as_interrupt():
        remove_leftovers(folder)
        previous = read_manifest(folder)
        results: dict[str, Result] = {
            out: Result(
                e["name"],
                out,
                e.get("options", {}),
                e.get("fingerprint", ""),
                "skipped" if e.get("status") == "ok" else "failed",
                e.get("pages"),
                e.get("sha256"),
                e.get("error"),
            )
            for out, e in previous.items()
            if (folder / out).is_file() or e.get("status") != "ok"
        }
        todo: list[tuple[Variant, str]] = []
        done: list[Result] = []
        total = len(variants)
        for variant in variants:
            fp = variant_fingerprint(variant, library_print)
            entry = previous.get(variant.output)
            if not force and entry is not None and is_unchanged(entry, fp, folder / variant.output):
                result = Result(
                    variant.name,
                    variant.output,
                    variant.options,
                    fp,
                    "skipped",
                    entry["pages"],
                    entry["sha256"],
                )
                results[variant.output] = result
                done.append(result)
                report(result, len(done), total)
            else:
                todo.append((variant, fp))
        last_write = time.monotonic()

        def record(variant: Variant, fp: str, outcome) -> None:
            nonlocal last_write
            _, pages, sha, error, seconds = outcome
            result = Result(
                variant.name,
                variant.output,
                variant.options,
                fp,
                "failed" if error else "built",
                pages,
                sha,
                error,
                seconds,
            )
            results[variant.output] = result
            done.append(result)
            report(result, len(done), total)
            if time.monotonic() - last_write > 1.0:
                write_manifest(folder, plan.file, results)
                last_write = time.monotonic()

        def finish(variant: Variant, fp: str, outcome: tuple) -> None:
            """A PDF rendered elsewhere: written here, atomically, then recorded."""
            output, pdf, error, seconds = outcome
            pages = sha = None
            if pdf is not None:
                try:
                    target = folder / variant.output
                    make_folders_within(folder, target.parent)
                    write_atomic(target, pdf)
                    pages, sha = _count_pages(pdf), hashlib.sha256(pdf).hexdigest()
                except BookletError as exc:
                    error = str(exc)
            record(variant, fp, (output, pages, sha, error, seconds))

        try:
            if scheduler:
                from booklet.batch.cluster import run_on_cluster

                run_on_cluster(todo, scheduler, roots, finish, with_logo_resolved)
            else:
                run_in_jail(todo, roots, jobs, finish)
        finally:
            write_manifest(folder, plan.file, results)
        return done


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _builtin() -> Path:
    from booklet.data.library import builtin_root

    return builtin_root()


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


def dry_run(plan: BatchPlan, folder: Path, roots: list[Path], only: str | None, force: bool):
    """Check every variant as far as possible without rendering: (variant, state, error)."""
    from booklet.data.library import load_library
    from booklet.layout.spec import load_layout, require_kind

    library = load_library(roots)
    library_print = library_fingerprint([_builtin(), *roots])
    previous = read_manifest(folder)
    rows: list[tuple[Variant, str, str | None]] = []
    for variant in select(plan.variants, only):
        try:
            kind, _, request, _ = make_request(variant, library)
            layout = load_layout(request.layout, library)
            require_kind(layout, kind)
            fp = variant_fingerprint(variant, library_print)
            unchanged = not force and is_unchanged(
                previous.get(variant.output), fp, folder / variant.output
            )
            rows.append((variant, "unchanged" if unchanged else "would build", None))
        except BookletError as exc:
            rows.append((variant, "invalid", str(exc)))
    return rows


def check_batch_file(path: Path, roots: Sequence[Path]) -> list[Problem]:
    """Every problem `booklet batch` would meet before rendering, each at its file and line:
    the file's shape, then each variant's options, routine and layout (`booklet validate`)."""
    from booklet.data.library import load_library
    from booklet.layout.spec import load_layout, require_kind

    try:
        plan = load_batch(path)
    except ValidationError as exc:
        return exc.problems
    except BookletError as exc:
        return [exc.problem]
    library = load_library(list(roots))
    problems: list[Problem] = []
    for variant in plan.variants:
        try:
            kind, _, request, _ = make_request(variant, library)
            layout = load_layout(request.layout, library)
            try:
                require_kind(layout, kind)
            except BookletError as exc:
                raise variant.option_error("layout", exc.problem.message) from None
        except BookletError as exc:
            problem = exc.problem
            if problem.file is None:  # an unknown routine, technique or layout
                key = next(
                    (k for k in ("routine", "techniques", "layout") if k in variant.lines), "name"
                )
                problem = problem._replace(file=path, line=variant.lines.get(key))
            problems.append(problem)
    return problems


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
