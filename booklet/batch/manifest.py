"""What a batch has built: each variant's fingerprint (its options and every library file) and
the manifest that records it, read back with bounds so that a damaged or hostile one only means
building again."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from booklet.base.errors import BookletError
from booklet.base.files import (
    read_bounded,
    sha256_of_regular_file,
    walk_files,
    write_atomic,
)
from booklet.base.version import __version__
from booklet.batch.batchfile import MAX_VARIANTS, VARIANT_KEYS, safe_output
from booklet.batch.cluster import LIBRARY_SUFFIXES, read_limit
from booklet.batch.work import (
    Variant,
)

MANIFEST = "manifest.json"


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
        and safe_output(output)
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


def _count_pages(pdf: bytes) -> int:
    from booklet.press.pdf import page_count

    return page_count(pdf)
