"""Walls around batches and outputs, one named case for each thing an attacker found.

Each case must end in exit 0 or in exit 2 with one clear line naming the file, line and field
(or the option as typed) and the fix: no traceback, within a few seconds, in little memory,
and with nothing written or removed that should not be. The cases that could take memory run
in a fresh process under an address-space limit.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

MEMORY = 600 << 20  # bytes of address space a case may use
SECONDS = 5.0
LIMITED = (
    "import resource, sys\n"
    f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY}))\n"
    "{prelude}"
    "from booklet.cli.entry import main\n"
    "main()\n"
)
ONE_VARIANT = "defaults: {routine: classic}\nvariants:\n  - {name: one}\n"


def booklet(
    cwd: Path, *args: str, prelude: str = "", stdout=subprocess.PIPE, shell_closes_stdout=False
) -> tuple[subprocess.CompletedProcess, float]:
    """booklet in a fresh process under the memory limit: (its result, seconds it took)."""
    command = [sys.executable, "-c", LIMITED.format(prelude=prelude), *args]
    if shell_closes_stdout:  # started with standard output closed, as `booklet ... >&-`
        command = ["sh", "-c", 'exec "$@" >&-', "sh", *command]
    env = {k: v for k, v in os.environ.items() if k != "BOOKLET_LIBRARY"}
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    return done, time.monotonic() - started


def files(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every file under root (links not followed) with a hash of its content: what a case
    may not change behind the user's back."""
    found: dict[str, str] = {}
    pending = [root]
    while pending:
        folder = pending.pop()
        for entry in os.scandir(folder):
            path = Path(entry.path)
            relative = str(path.relative_to(root))
            if relative in skip:
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            else:
                data = b"" if entry.is_symlink() else path.read_bytes()
                found[relative] = hashlib.sha256(data).hexdigest()
    return found


def one_error_line(stderr: str | bytes) -> str:
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text and "internal error" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1, text[:2000]
    assert len(lines[0]) < 300, lines[0][:300]
    return lines[0]


# --- output name patterns --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "{name:>300000000}.pdf",
            "Error: b.yaml:1: output: output pattern '{name:>300000000}.pdf' uses a format spec "
            "':>300000000'; use plain fields such as {name}.",
        ),
        (
            "{name!r}.pdf",
            "Error: b.yaml:1: output: output pattern '{name!r}.pdf' uses a conversion '!r'; use "
            "plain fields such as {name}.",
        ),
    ],
    ids=["output-pattern-format-spec", "output-pattern-conversion"],
)
@pytest.mark.parametrize("command", ["batch", "validate"])
def test_an_output_pattern_with_a_format_spec_or_conversion_is_refused(
    tmp_path, pattern, message, command
):
    (tmp_path / "b.yaml").write_text(
        f'output: "{pattern}"\nvariants:\n  - {{name: a}}\n  - {{name: b}}\n'
    )
    before = files(tmp_path)
    done, seconds = booklet(tmp_path, command, "b.yaml", *(["-o", "out"] * (command == "batch")))
    assert done.returncode == 2, done.stderr[-2000:]
    assert one_error_line(done.stderr) == message  # said once, at the pattern's line
    assert seconds < SECONDS
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        (
            '{name: a, output: "{name:09}.pdf"}',
            "b.yaml:2: variants[0].output: output pattern '{name:09}.pdf' uses a format spec ':09'",
        ),
        (
            '{name: a, output: "' + "x" * 300 + '{name}.pdf"}',
            "is 310 characters long; the limit is 200. Shorten it.",
        ),
        (
            '{name: a, title: "' + "t" * 500 + '", output: "{title}.pdf"}',
            "b.yaml:2: variants[0]: output pattern '{title}.pdf' makes a name longer than 400 "
            "characters for this variant.",
        ),
    ],
    ids=["a-variants-own-pattern", "a-long-pattern", "a-long-name"],
)
def test_output_patterns_and_names_are_bounded(run, tmp_path, variant, message):
    (tmp_path / "b.yaml").write_text(f"variants:\n  - {variant}\n")
    result = run("batch", "b.yaml", "-o", "out")
    assert result.exit_code == 2
    assert message in one_error_line(result.stderr)
    assert not (tmp_path / "out").exists()


def test_a_pattern_in_the_defaults_is_refused_at_its_own_line(run, tmp_path):
    (tmp_path / "b.yaml").write_text(
        'defaults:\n  routine: classic\n  output: "{name!s}.pdf"\nvariants:\n'
        "  - {name: a}\n  - {name: b}\n"
    )
    result = run("validate", "b.yaml")
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == (
        "Error: b.yaml:3: defaults.output: output pattern '{name!s}.pdf' uses a conversion "
        "'!s'; use plain fields such as {name}."
    )


# --- a spreadsheet's header ------------------------------------------------------------------


def test_csv_50000_repeated_headers(tmp_path):
    (tmp_path / "c.csv").write_text(",".join(["client"] * 50_000) + "\n" + "A\n")
    (tmp_path / "b.yaml").write_text("variants: c.csv\n")
    before = files(tmp_path)
    done, seconds = booklet(tmp_path, "batch", "b.yaml", "-o", "out")
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        "Error: c.csv:1: the header row has 50000 columns; the limit is 200. Keep only the "
        "option columns (name, kind, routine, …)."
    )
    assert seconds < SECONDS
    assert files(tmp_path) == before


def test_many_columns_that_are_not_options_are_counted_not_listed(run, tmp_path):
    header = ["client", *(f"extra{i}" for i in range(150))]
    (tmp_path / "c.csv").write_text(",".join(header) + "\nA\n")
    (tmp_path / "b.yaml").write_text("variants: c.csv\n")
    result = run("batch", "b.yaml")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 6
    assert lines[-1] == "c.csv:1: 145 more columns are not options either."


# --- the manifest of an earlier run ------------------------------------------------------------


def _manifest_case(tmp_path: Path, content: bytes) -> tuple[subprocess.CompletedProcess, float]:
    (tmp_path / "b.yaml").write_text(ONE_VARIANT)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "manifest.json").write_bytes(content)
    return booklet(tmp_path, "batch", "b.yaml", "-o", "out")


def test_manifest_nested_200000_deep(tmp_path):
    content = b'{"variants": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    done, seconds = _manifest_case(tmp_path, content)
    assert done.returncode == 0, done.stderr
    err = done.stderr.decode()
    assert err.splitlines()[0] == (
        "Note: out/manifest.json: it nests deeper than the 8 levels of a manifest; no usable "
        "manifest, so every variant is built again."
    )
    assert "Traceback" not in err and "1 built" in err
    assert seconds < SECONDS
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["manifest.json", "one.pdf"]
    assert [v["output"] for v in json.loads((tmp_path / "out/manifest.json").read_text())[
        "variants"
    ]] == ["one.pdf"]  # fmt: skip


def test_manifest_58_mb(tmp_path):
    entries = b",".join(b'{"name":"a","output":"a%d.pdf"}' % i for i in range(1_600_000))
    content = b'{"variants": [' + entries + b"]}"
    assert 57_500_000 < len(content) < 58_500_000
    done, seconds = _manifest_case(tmp_path, content)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().splitlines()[0] == (
        "Note: out/manifest.json: it is 58 MB, more than the 20 MB booklet writes at most; no "
        "usable manifest, so every variant is built again."
    )
    assert seconds < SECONDS
    assert (tmp_path / "out" / "manifest.json").stat().st_size < 1000  # one entry, rewritten


@pytest.mark.parametrize(
    "content",
    [
        b'{"variants": [' + b",".join([b"[]"] * 5_000_000) + b"]}",
        b'{"variants": [' + b",".join([b'"ab"'] * 3_500_000) + b"]}",
        b"\xff\xfe not text",
        b'{"variants": {"not": "a list"}}',
    ],
    ids=["millions-of-lists", "millions-of-strings", "not-utf-8", "no-list"],
)
def test_a_manifest_of_any_other_shape_is_rebuilt_with_a_note(tmp_path, content):
    done, seconds = _manifest_case(tmp_path, content)
    assert done.returncode == 0, done.stderr
    note = done.stderr.decode().splitlines()[0]
    assert note.startswith("Note: out/manifest.json: ")
    assert note.endswith("; no usable manifest, so every variant is built again.")
    assert seconds < SECONDS


def test_manifest_entries_are_kept_only_in_the_shape_booklet_writes(run, tmp_path):
    """Odd entries are dropped, extra fields too: a manifest is never rewritten larger than
    booklet itself would write it."""
    (tmp_path / "b.yaml").write_text(ONE_VARIANT)
    assert run("batch", "b.yaml", "-o", "out").exit_code == 0
    path = tmp_path / "out" / "manifest.json"
    data = json.loads(path.read_text())
    good = {**data["variants"][0], "status": "failed"}  # kept though no file is there
    odd = [
        {**good, "output": "two.pdf", "junk": "x" * 100_000},  # kept, without its junk
        {**good, "output": "three.pdf", "options": {"title": "t" * 100_000}},
        {**good, "output": "four.pdf", "error": "e" * 100_000},
        {**good, "output": "five.pdf", "options": {"techniques": [[["deep"]]]}},
        {**good, "output": "six.pdf", "pages": 10**30},
        {**good, "output": "seven.pdf", "sha256": "not a hash"},
        {**good, "output": "evil\n/eight.pdf"},
        {"name": "a", "output": "nine.pdf"},  # not all the fields booklet writes
    ]
    data["variants"] += odd
    path.write_text(json.dumps(data))
    again = run("batch", "b.yaml", "-o", "out")
    assert again.exit_code == 0
    assert "Nothing to build" in again.stderr and "Note" not in again.stderr
    rewritten = json.loads(path.read_text())["variants"]
    assert [e["output"] for e in rewritten] == ["one.pdf", "two.pdf"]
    assert all("junk" not in e for e in rewritten)
    assert path.stat().st_size < 2000


def test_a_failed_variants_long_options_are_written_within_the_bounds_read_back(tmp_path):
    from booklet.batch.manifest import MANIFEST_TEXT, Result, _manifest_entry

    result = Result(
        "n" * 10_000,
        "a.pdf",
        {"title": "t" * 100_000, "techniques": ["x" * 500] * 100, "routine": {"a": [1]}},
        "ab" * 16,
        "failed",
        error="e" * 100_000,
    )
    entry = result.manifest_entry()
    assert _manifest_entry(json.loads(json.dumps(entry))) == entry
    assert len(entry["options"]["title"]) == MANIFEST_TEXT
    assert len(json.dumps(entry)) < 6000


# --- names with a line break ---------------------------------------------------------------------


def test_variant_name_ending_in_newline(run, tmp_path):
    (tmp_path / "b.yaml").write_text(
        'defaults: {routine: classic}\noutput: "{name}/card.pdf"\nvariants:\n'
        '  - {name: "evil\\n"}\n'
    )
    before = files(tmp_path)
    started = time.monotonic()
    result = run("batch", "b.yaml", "-o", "out")
    assert time.monotonic() - started < SECONDS
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == (
        "Error: b.yaml:4: variants[0]: output 'evil\\n/card.pdf' would be written outside the "
        "output folder, has unsafe characters or a name too long for a file. Use letters, "
        "digits, '-', '_' and '.' in a relative path."
    )
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    ("check", "value"),
    [
        ("booklet.data.schema:id_problem", "neck\n"),
        ("booklet.data.model:is_language_code", "de\n"),
        ("booklet.batch.batchfile:safe_output", "a.pdf\n"),
        ("booklet.batch.batchfile:safe_output", "evil\n/a.pdf"),
    ],
    ids=["technique-id", "language-folder", "output", "output-folder"],
)
def test_a_trailing_line_break_passes_no_name_check(check, value):
    import importlib

    module, name = check.split(":")
    verdict = getattr(importlib.import_module(module), name)(value)
    assert verdict in (False, None) or isinstance(verdict, str) and "not a valid id" in verdict
    if name == "id_problem":
        assert "'neck\\n'" in verdict  # said with the break written out, on one line


# --- previews ------------------------------------------------------------------------------------


def test_png_keeps_files_it_did_not_write(run, tmp_path):
    from PIL import Image

    for page in range(1, 6):
        Image.new("RGB", (8, 8), (40 * page, 0, 0)).save(tmp_path / f"holiday-{page}.png")
    (tmp_path / "holiday-6.png").symlink_to(tmp_path / "holiday-5.png")
    photos = files(tmp_path)
    started = time.monotonic()
    result = run("card", "-o", "holiday.pdf", "--png")
    assert time.monotonic() - started < SECONDS * 2
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["holiday.pdf", "holiday-1.png", "holiday-2.png"]
    after = files(tmp_path)
    for name in ("holiday-3.png", "holiday-4.png", "holiday-5.png", "holiday-6.png"):
        assert after[name] == photos[name]  # not booklet's: left as they were
    # booklet's own previews of a longer PDF are still tidied away when the PDF shrinks
    assert run("card", "-o", "holiday.pdf", "--png", "--sides", "1").exit_code == 0
    assert not (tmp_path / "holiday-2.png").exists()
    assert (tmp_path / "holiday-3.png").exists() and (tmp_path / "holiday-5.png").exists()


def test_previews_carry_booklets_mark(run, tmp_path):
    from PIL import Image

    from booklet.press.preview import is_booklet_preview

    assert run("card", "-o", "c.pdf", "--png").exit_code == 0
    assert Image.open(tmp_path / "c-1.png").text == {"Software": "booklet"}
    assert is_booklet_preview(tmp_path / "c-1.png")
    Image.new("RGB", (4, 4)).save(tmp_path / "photo.png")
    assert not is_booklet_preview(tmp_path / "photo.png")
    (tmp_path / "link.png").symlink_to(tmp_path / "c-1.png")
    assert not is_booklet_preview(tmp_path / "link.png")


# --- standard output -----------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_is_dev_full(tmp_path):
    with open("/dev/full", "wb") as full:
        done, seconds = booklet(tmp_path, "card", "-o", "-", stdout=full)
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        "Error: could not write to standard output: the disk is full. Give a file name with -o, "
        "or send the output somewhere else."
    )
    assert seconds < SECONDS
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_listing_onto_dev_full_is_one_line_too(tmp_path):
    with open("/dev/full", "wb") as full:
        done, _ = booklet(tmp_path, "techniques", stdout=full)
    assert done.returncode == 2
    assert "could not write to standard output: the disk is full" in one_error_line(done.stderr)


@pytest.mark.parametrize("how", ["closed", "read-only"])
def test_stdout_closed(tmp_path, how):
    if how == "closed":
        done, seconds = booklet(tmp_path, "card", "-o", "-", shell_closes_stdout=True)
    else:
        with open(os.devnull, "rb") as read_only:
            done, seconds = booklet(tmp_path, "card", "-o", "-", stdout=read_only)
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        "Error: -o - writes to standard output, but standard output is closed or open only "
        "for reading. Give a file name with -o, or redirect it (> FILE)."
    )
    assert seconds < SECONDS
    assert list(tmp_path.iterdir()) == []


# --- the scheduler -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["http://x y", "tcp://10.0.0.5:99999", "tcp://host", "x" * 5000],
    ids=["scheduler-address-with-a-space", "port-out-of-range", "no-port", "5000-characters"],
)
def test_scheduler_address_with_a_space(run, tmp_path, address):
    (tmp_path / "b.yaml").write_text(ONE_VARIANT)
    started = time.monotonic()
    result = run("batch", "b.yaml", "-o", "out", "--scheduler", address)
    assert time.monotonic() - started < SECONDS
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert line.startswith("Error: --scheduler: '")
    assert line.endswith(
        "' is not a scheduler address; write tcp://HOST:PORT, such as tcp://10.0.0.5:8786."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml"]


def test_scheduler_addresses_dask_takes_are_accepted():
    from booklet.batch.runner import check_scheduler

    for address in ("tcp://127.0.0.1:8786", "tls://sched.example.org:8786", "[::1]:8786"):
        check_scheduler(address)


BLOCK_DASK = (
    "class NoDask:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('dask', 'distributed'):\n"
    "            raise ImportError('no module named ' + name)\n"
    "sys.meta_path.insert(0, NoDask())\n"
)


def test_scheduler_without_dask_creates_nothing(tmp_path):
    (tmp_path / "b.yaml").write_text(ONE_VARIANT)
    args = ("batch", "b.yaml", "-o", "out", "--scheduler", "tcp://127.0.0.1:8786")
    done, seconds = booklet(tmp_path, *args, prelude=BLOCK_DASK)
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        "Error: --scheduler: running on a cluster needs Dask, which is not installed: "
        "pip install 'massage-booklet[cluster]'."
    )
    assert seconds < SECONDS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml"]  # no folder, lock, manifest


# --- a library's folders -------------------------------------------------------------------------


def _remove_tree(root: Path) -> None:
    """Remove a folder however deep, without recursion (shutil.rmtree recurses)."""
    pending = [root]
    while pending:
        folder = pending[-1]
        children = list(os.scandir(folder))
        subfolders = [Path(e.path) for e in children if e.is_dir(follow_symlinks=False)]
        if subfolders:
            pending += subfolders
            continue
        for entry in children:
            os.unlink(entry.path)
        os.rmdir(folder)
        pending.pop()


def test_layout_folder_1100_deep(tmp_path):
    layout = tmp_path / "lib" / "layouts" / "mine"
    layout.mkdir(parents=True)
    deep = str(layout)
    for _ in range(1100):  # a loop: mkdir(parents=True) recurses, as os.walk does in 3.11
        deep += "/d"
        os.mkdir(deep)
    (layout / "layout.yaml").write_text("extends: bedside\n")
    Path(deep, "x.yaml").write_text("a: 1\n")
    (tmp_path / "b.yaml").write_text(
        "defaults: {routine: classic, layout: mine}\nvariants:\n  - {name: one}\n"
    )
    try:
        for args in (["batch", "b.yaml", "-o", "out"], ["batch", "b.yaml", "--dry-run"]):
            done, seconds = booklet(tmp_path, "--library", "lib", *args)
            assert done.returncode == 2, done.stderr[-2000:]
            assert one_error_line(done.stderr) == (
                "Error: lib/layouts/mine: has folders nested more than 32 levels deep; booklet "
                "reads no deeper. Move the files up, or remove the folders."
            )
            assert seconds < SECONDS
            assert sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml", "lib"]
        # a card never walks the folder: the layout itself is fine
        done, _ = booklet(tmp_path, "--library", "lib", "card", "--layout", "mine", "-o", "c.pdf")
        assert done.returncode == 0, done.stderr[-2000:]
    finally:
        _remove_tree(tmp_path / "lib")


def test_a_library_with_too_many_files_is_refused_by_name(tmp_path, monkeypatch):
    from booklet.base import files as walls
    from booklet.base.errors import BookletError

    folder = tmp_path / "layouts"
    folder.mkdir()
    for i in range(12):
        (folder / f"t{i}.yaml").write_text("a: 1\n")
    assert len(walls.walk_files(folder, (".yaml",))) == 12
    with pytest.raises(BookletError, match="holds more than 10 library files"):
        walls.walk_files(folder, (".yaml",), max_files=10)
    with pytest.raises(BookletError, match="holds more than 5 files and folders"):
        walls.walk_files(folder, (".yaml",), max_entries=5)


# --- every read bounded --------------------------------------------------------------------------


def test_no_unbounded_reads_of_files_in_the_package():
    """Reads go through booklet.base.files (bounded, regular files only): no read_text,
    read_bytes or open() of a path anywhere else in the package."""
    import re

    root = Path(__file__).parent.parent / "booklet"
    allowed = {root / "base" / "files.py"}
    found = []
    for path in sorted(root.rglob("*.py")):
        if path in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"\.read_text\(|\.read_bytes\(|(?<![\w.])open\(|\.open\(", code):
                if "io.BytesIO" in code or "_buffer(" in code or "os.open(os.devnull" in code:
                    continue
                if "os.O_PATH" in code:  # a handle to name a path by (Landlock): reads nothing
                    continue
                found.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    assert found == []
