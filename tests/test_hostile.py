"""Hostile input, one named case each: layouts, data files, paths and signals from strangers.

Each case is something a hostile or careless user tried (issue "Trust"); each must end in one
clear line and exit 2 (or a clean success), write nothing it should not, and leave the user's
files and machine as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from types import MappingProxyType

import pytest

from tests.helpers import REPO, page_texts, technique_yaml

BOOKLET = [sys.executable, "-m", "booklet"]

# --- snippets see plain data, inside a budget ----------------------------------------------

PLAN_FIELDS = "description, id, steps, techniques, title, total_minutes, uses_oil"
SETTING_FIELDS = (
    "benefits, disclaimer, do_not_massage, feedback_rule, feedback_short, finishing, posture, "
    "preparation, pressure_scale, pressure_scale_short, safety, setup_short, spine_short, "
    "spine_warning, stay_light"
)
STOPPED = "the snippet was stopped: "
HOSTILE_SNIPPETS = {
    "read-a-file": (
        '{{ setting.path.joinpath("/etc/passwd").read_text() }}',
        f"'path' is not a field here (fields: {SETTING_FIELDS})",
    ),
    "write-a-file": (
        '{{ plan.steps[0].technique.path.write_text("owned") }}',
        "'path' is not a field here (fields: avoid, avoids_spine,",
    ),
    "list-a-folder": ("{{ setting.path.parent.iterdir()|list }}", "'path' is not a field here"),
    "delete-a-file": ("{{ setting.path.unlink() }}", "'path' is not a field here"),
    "reach-python-internals": (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "refused by the template sandbox: access to attribute '__class__'",
    ),
    "mapping-methods": (
        "{{ plan.items() }}",
        f"'items' is not a field here (fields: {PLAN_FIELDS})",
    ),
    "tuple-methods": (
        "{{ plan.steps.count(1) }}",
        "refused by the template sandbox: 'count' of tuple cannot be called from a snippet.",
    ),
    "int-to-bytes": (
        '{{ (1).to_bytes(1000000000, "big") }}',
        "refused by the template sandbox: 'to_bytes' of int cannot be called from a snippet.",
    ),
    "repeat-a-string": ('{{ "a" * 10**10 }}', STOPPED + "a text it builds would be longer than"),
    "repeat-a-format": (
        '{{ "%s"|format("a") * 10**9 }}',
        STOPPED + "a text it builds would be longer than",
    ),
    "percent-width": ('{{ "%0999999999d" % 1 }}', STOPPED + "the number 0999999999 in a format"),
    "format-width": ('{{ "{:>999999999}".format(1) }}', STOPPED + "the number 999999999 in"),
    "center-filter": ('{{ "a"|center(999999999) }}', STOPPED + "the filter 'center' was given"),
    "indent-filter": ('{{ "x"|indent(999999999) }}', STOPPED + "the filter 'indent' was given"),
    "batch-filter": (
        '{{ range(10)|batch(999999999, "x")|list }}',
        STOPPED + "the filter 'batch' was given",
    ),
    "join-bomb": ('{{ plan.steps|join("x" * 60000) }}', STOPPED + "a text it builds would be"),
    "replace-bomb": (
        '{{ ("a" * 60000).replace("a", "bb") }}',
        STOPPED + "a text it builds would be",
    ),
    "huge-number": ("{{ 2 ** 100000 }}", STOPPED + "a number it computes is too large"),
    "huge-range": ("{% for i in range(100000) %}{% endfor %}", STOPPED + "a list it builds"),
    "nested-loops": (
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        STOPPED + "it did more than 200,000 loop steps and calls",
    ),
    "list-of-copies": ("{{ [plan] * 10000 }}", STOPPED + "a list it builds would be longer"),
    "print-megabytes": (
        '{% for x in range(10000) %}{{ "y" * 60000 }}{% endfor %}',
        STOPPED + "it printed more than 65,536 characters",
    ),
    "self-calling-macro": (
        "{% macro f() %}{{ f() }}{{ f() }}{% endmacro %}{{ f() }}",
        "the snippet never stops: a macro, include or extends that calls itself",
    ),
    "self-include": ('{% include "title.j2" %}', "the snippet never stops"),
    "lipsum-is-gone": ("{{ lipsum(100000) }}", "'lipsum' is undefined"),
    "random-is-gone": ("{{ plan.steps|random }}", "No filter named 'random'"),
}


@pytest.fixture
def hostile_layout(make_library):
    def make(snippet: str):
        return make_library(
            {"layouts/mine/layout.yaml": "extends: bedside\n", "layouts/mine/title.j2": snippet}
        )

    return make


@pytest.mark.parametrize("case", sorted(HOSTILE_SNIPPETS))
def test_hostile_snippet_ends_in_one_clear_line_and_writes_nothing(
    run, hostile_layout, tmp_path, case
):
    snippet, expected = HOSTILE_SNIPPETS[case]
    lib = hostile_layout(snippet + "\n")
    started = time.monotonic()
    result = run("--library", lib, "card", "--layout", "mine", "-o", "x.pdf")
    assert time.monotonic() - started < 5
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: lib/layouts/mine/title.j2"), result.stderr
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.pdf").exists()
    assert not (tmp_path / "owned").exists()


@pytest.mark.parametrize("case", ["read-a-file", "nested-loops", "repeat-a-string"])
def test_validate_reports_a_hostile_layout(run, hostile_layout, case):
    snippet, expected = HOSTILE_SNIPPETS[case]
    lib = hostile_layout(snippet + "\n")
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2
    assert expected in result.stderr


@pytest.mark.parametrize("case", ["repeat-a-string", "nested-loops", "print-megabytes"])
def test_hostile_snippet_in_a_fresh_process_stays_small_and_quick(hostile_layout, tmp_path, case):
    """Bounded memory: the whole process runs under a 1 GiB address-space limit."""
    lib = hostile_layout(HOSTILE_SNIPPETS[case][0] + "\n")
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
    code = limit + "from booklet.cli.entry import main; main()"
    args = ["--library", str(lib), "card", "--layout", "mine", "-o", "x.pdf"]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=tmp_path, capture_output=True, text=True
    )
    assert time.monotonic() - started < 10
    assert done.returncode == 2, done.stderr
    assert HOSTILE_SNIPPETS[case][1] in done.stderr
    assert not (tmp_path / "x.pdf").exists()


def _plain(value, where="context"):
    """Independent of booklet's own checker: only str, numbers, bools, None, tuples and
    read-only mappings with text keys."""
    if isinstance(value, str | int | float | bool) or value is None:
        return []
    if isinstance(value, tuple):
        return [p for i, v in enumerate(value) for p in _plain(v, f"{where}[{i}]")]
    if isinstance(value, MappingProxyType | dict):
        return [
            p
            for k, v in value.items()
            for p in ([f"{where}: key {k!r}"] if not isinstance(k, str) else [])
            + _plain(v, f"{where}.{k}")
        ]
    return [f"{where}: {type(value).__name__}"]


def test_snippets_of_a_card_and_a_booklet_see_only_plain_data(monkeypatch):
    """In this process (the jail's child would hide the spy): what snippets are given."""
    from booklet.data.library import load_library
    from booklet.layout import spec as layouts
    from booklet.products.booklet import BookRequest, render_book
    from booklet.products.card import CardRequest, render_card

    seen = []
    real = layouts.render_snippet

    def spy(layout, name, context):
        seen.append((name, context))
        return real(layout, name, context)

    monkeypatch.setattr(layouts, "render_snippet", spy)
    monkeypatch.setattr("booklet.layout.snippets.render_snippet", spy)  # both products read here
    library = load_library([])
    render_card(library, library.plan("classic"), CardRequest())
    render_book(library, library.plan("classic"), BookRequest())
    names = {name for name, _ in seen}
    assert {"title.j2", "step.j2", "caption.j2", "cover.j2", "technique.j2"} <= names
    for name, context in seen:
        for key, value in context.items():
            assert _plain(value, f"{name}:{key}") == []


def test_the_cache_folder_holds_nothing_python_would_run(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for command in (["card", "-o", "c.pdf"], ["book", "-o", "b.pdf"]):
        done = subprocess.run([*BOOKLET, *command], cwd=tmp_path, env=env, capture_output=True)
        assert done.returncode == 0, done.stderr
    left = [p for p in home.rglob("*") if p.is_file()]
    assert left == []  # no pickles, no compiled snippets: nothing read back, nothing to run


# --- files the careful way -----------------------------------------------------------------


def test_dash_writes_the_pdf_to_standard_output_and_nothing_else(run, tmp_path):
    result = run("card", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"%PDF-") and result.stdout_bytes.rstrip().endswith(
        b"%%EOF"
    )
    assert not (tmp_path / "-").exists()
    (tmp_path / "from-stdout.pdf").write_bytes(result.stdout_bytes)
    assert "Classic back massage" in page_texts(tmp_path / "from-stdout.pdf")[0]


def test_dash_with_png_previews_is_refused(run):
    result = run("card", "-o", "-", "--png")
    assert result.exit_code == 2
    assert result.stderr == "Error: --png needs a file name with -o, not - (standard output).\n"


def test_output_onto_a_fifo_is_refused_and_the_fifo_survives(run, tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    result = run("card", "-o", fifo.name)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: pipe.pdf: is a named pipe, not a regular file; booklet only replaces regular "
        "files. Give another file name (or - for standard output).\n"
    )
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_output_onto_a_device_node_is_refused_and_the_node_survives(run, tmp_path):
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    result = run("card", "-o", "null")
    assert result.exit_code == 2
    assert "null: is a device, not a regular file" in result.stderr
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_output_onto_a_symlink_is_refused_and_its_target_untouched(run, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (tmp_path / "card.pdf").symlink_to(target)
    result = run("card", "-o", "card.pdf")
    assert result.exit_code == 2
    assert "card.pdf: is a symbolic link; booklet does not write through links" in result.stderr
    assert target.read_text() == "keep me"


def test_a_very_long_output_name_is_a_clear_error(run):
    result = run("card", "-o", "a" * 300 + ".pdf")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "File name too long" in result.stderr or "too long" in result.stderr


def test_a_back_offset_with_400_digits_is_a_clear_error(run):
    result = run("card", "--back-offset", "1" * 400 + "mm,0mm")
    assert result.exit_code == 2
    error = result.stderr.splitlines()[-1]
    assert error.startswith("Error: --back-offset: '1111")
    assert "is not a length" in error and len(error) < 200


def test_a_closed_pipe_on_standard_output_ends_quietly(tmp_path):
    """`booklet techniques | head`, with the reader gone before anything is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    done = subprocess.run(
        [*BOOKLET, "techniques"], stdout=write_end, stderr=subprocess.PIPE, cwd=tmp_path
    )
    os.close(write_end)
    assert done.returncode == 141
    assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr


# --- batches: locks, links, kills ----------------------------------------------------------

SMALL_BATCH = """\
defaults: {routine: classic}
output: "{name}.pdf"
variants:
  - {name: one}
  - {name: two}
"""


def test_a_batch_leaves_no_lock_file_and_a_planted_one_is_left_alone(run, tmp_path):
    """The lock is the folder's own (flock): nothing of booklet's stays among the PDFs, and a
    link someone put where the old lock file lived is neither followed nor removed."""
    (tmp_path / "b.yaml").write_text(SMALL_BATCH)
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / ".booklet-batch.lock").symlink_to(victim)
    result = run("batch", "b.yaml", "-o", "out")
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious"
    assert (out / ".booklet-batch.lock").is_symlink()
    fresh = tmp_path / "fresh"
    assert run("batch", "b.yaml", "-o", "fresh").exit_code == 0
    assert sorted(p.name for p in fresh.iterdir()) == ["manifest.json", "one.pdf", "two.pdf"]


def test_a_symlinked_folder_inside_the_output_folder_is_not_followed(run, tmp_path):
    (tmp_path / "b.yaml").write_text(SMALL_BATCH.replace('"{name}.pdf"', '"cards/{name}.pdf"'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "cards").symlink_to(elsewhere)
    result = run("batch", "b.yaml", "-o", "out")
    assert result.exit_code == 2
    assert "is a symbolic link inside the output folder" in result.output
    assert list(elsewhere.iterdir()) == []


def test_an_output_inside_another_variants_output_is_refused(run, tmp_path):
    (tmp_path / "b.yaml").write_text(
        "defaults: {routine: classic}\nvariants:\n"
        "  - {name: a, output: a.pdf}\n  - {name: b, output: a.pdf/b.pdf}\n"
    )
    result = run("batch", "b.yaml", "-o", "out")
    assert result.exit_code == 2
    assert (
        "variant 'b' writes a.pdf/b.pdf inside a.pdf, which variant 'a' writes as a file"
        in result.stderr
    )


@pytest.mark.parametrize(
    "entry",
    [{"output": "one.pdf", "status": "ok"}, {"name": "one", "output": 7}, "not an entry"],
    ids=["no-name", "integer-output", "not-a-mapping"],
)
def test_a_damaged_manifest_entry_only_means_building_again(run, tmp_path, entry):
    (tmp_path / "b.yaml").write_text(SMALL_BATCH)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "manifest.json").write_text(json.dumps({"variants": [entry]}))
    result = run("batch", "b.yaml", "-o", "out")
    assert result.exit_code == 0, result.output
    assert "2 built" in result.output


def test_leftover_temp_files_of_a_killed_run_are_cleaned(run, tmp_path):
    (tmp_path / "b.yaml").write_text(SMALL_BATCH)
    (tmp_path / "out" / "sub").mkdir(parents=True)
    (tmp_path / "out" / ".booklet-0123456789ab.tmp").write_bytes(b"half a pdf")
    (tmp_path / "out" / "sub" / ".booklet-ba9876543210.tmp").write_bytes(b"half")
    (tmp_path / "out" / "mine.tmp").write_text("not ours")
    assert run("batch", "b.yaml", "-o", "out").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.tmp")) == ["mine.tmp"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


BIG_BATCH = """\
defaults: {routine: [classic, gentle, short], size: [5x7, a5]}
output: "{name}-{routine}-{size}.pdf"
variants:
""" + "".join(f"  - {{name: client{i:02d}, title: 'Card for client {i}'}}\n" for i in range(60))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.slow
def test_after_kill_9_the_workers_go_and_the_next_run_finishes(tmp_path):
    (tmp_path / "b.yaml").write_text(BIG_BATCH)
    parent = subprocess.Popen(
        [*BOOKLET, "batch", "b.yaml", "-o", "out", "--jobs", "2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list((tmp_path / "out").glob("*.pdf"))) < 3:
        time.sleep(0.05)
    workers = _children(parent.pid)
    assert workers, "the batch should be running its workers"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "workers outlived their parent"
    again = subprocess.run(
        [*BOOKLET, "batch", "b.yaml", "-o", "out", "--jobs", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert list((tmp_path / "out").rglob("*.tmp")) == []
    data = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert len(data["variants"]) == 360 and all(v["status"] == "ok" for v in data["variants"])


@pytest.mark.slow
def test_sigterm_stops_a_batch_cleanly_with_the_manifest_true_to_the_disk(tmp_path):
    (tmp_path / "b.yaml").write_text(BIG_BATCH)
    batch = subprocess.Popen(
        [*BOOKLET, "batch", "b.yaml", "-o", "out", "--jobs", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list((tmp_path / "out").glob("*.pdf"))) < 3:
        time.sleep(0.05)
    batch.send_signal(signal.SIGTERM)
    _, err = batch.communicate(timeout=60)
    assert batch.returncode == 143, err
    assert "Traceback" not in err
    assert list((tmp_path / "out").rglob("*.tmp")) == []
    data = json.loads((tmp_path / "out" / "manifest.json").read_text())
    on_disk = {p.name for p in (tmp_path / "out").glob("*.pdf")}
    assert {v["output"] for v in data["variants"] if v["status"] == "ok"} == on_disk


# --- running as an ordinary user -----------------------------------------------------------


@pytest.fixture
def as_user(tmp_path):
    """Run booklet the way an ordinary user would meet file permissions: as root, with the
    capabilities that bypass them dropped (util-linux setpriv); as anyone else, as is."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to drop root's file-permission override")
        prefix = [
            "setpriv",
            "--inh-caps=-all",
            "--bounding-set=-dac_override,-dac_read_search",
            "--",
        ]

    def invoke(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*prefix, *BOOKLET, *args], cwd=tmp_path, capture_output=True, text=True
        )

    return tmp_path, invoke


def _read_only_folder(base: Path) -> Path:
    folder = base / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


def test_output_into_a_read_only_folder_as_a_user(as_user):
    folder, invoke = as_user
    _read_only_folder(folder)
    done = invoke("card", "-o", "ro/new.pdf")
    assert done.returncode == 2, done.stderr
    assert done.stderr == "Error: ro/new.pdf: folder 'ro' is not writable. Choose another path.\n"


def test_a_batch_into_a_read_only_folder_as_a_user(as_user):
    folder, invoke = as_user
    (folder / "b.yaml").write_text(SMALL_BATCH)
    _read_only_folder(folder)
    done = invoke("batch", "b.yaml", "-o", "ro")
    assert done.returncode == 2, done.stderr
    assert done.stderr == "Error: ro: folder is not writable. Choose another -o folder.\n"
    done = invoke("batch", "b.yaml", "-o", "ro/inner")
    assert done.returncode == 2, done.stderr
    assert "cannot create the output folder: Permission denied" in done.stderr


def test_an_unreadable_layout_file_in_a_library_as_a_user(as_user):
    folder, invoke = as_user
    layout = folder / "lib" / "layouts" / "mine"
    layout.mkdir(parents=True)
    (layout / "layout.yaml").write_text("extends: bedside\n")
    (layout / "layout.yaml").chmod(0o000)
    done = invoke("--library", "lib", "card", "--layout", "mine", "-o", "x.pdf")
    assert done.returncode == 2, done.stderr
    assert done.stderr == "Error: lib/layouts/mine/layout.yaml: cannot read: Permission denied.\n"


# --- YAML read as people mean it -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "minutes",
            "1:30",
            "minutes: expected a number, got text ('1:30'). Write minutes as a number, e.g. 1.5 "
            "for one and a half (some tools read '1:30' as a count in base 60).",
        ),
        (
            "minutes",
            "1_000",
            "minutes: expected a number, got text ('1_000'). Write minutes without '_' or ',', "
            "e.g. 1000 or 2.5.",
        ),
        ("oil", "yes", "oil: expected true or false, got text ('yes')."),
        ("minutes", ".nan", "minutes: nan is not a number you can print. Write a plain number."),
    ],
    ids=["sexagesimal-minutes", "underscored-number", "yes-for-a-boolean", "nan"],
)
def test_yaml_1_1_surprises_are_refused_with_how_to_write_them(
    run, make_library, field, value, message
):
    lib = make_library({"techniques/neck.yaml": technique_yaml("Neck glide", **{field: value})})
    result = run("--library", lib, "card", "-t", "neck", "-o", "x.pdf")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "90" not in result.stderr


def test_yaml_1_2_numbers_and_dates_read_as_written(run, make_library, tmp_path):
    """`012` is twelve, and a date in a name is text, printed as written."""
    lib = make_library(
        {"techniques/neck.yaml": technique_yaml("2024-01-01", minutes="012", oil="true")}
    )
    result = run("--library", lib, "card", "-t", "neck", "--layout", "compact", "-o", "x.pdf")
    assert result.exit_code == 0, result.stderr
    text = " ".join(page_texts(tmp_path / "x.pdf")[0].split())
    assert "2024-01-01" in text and "12 min" in text


def test_a_yaml_merge_key_is_refused_clearly(run, make_library):
    lib = make_library(
        {"techniques/neck.yaml": technique_yaml("Neck glide") + "extra:\n  <<: {a: 1}\n"}
    )
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2
    assert "YAML merge keys (<<) are not supported. Write the fields out in full." in result.stderr


def test_a_yaml_python_tag_is_refused_and_runs_nothing(run, make_library, tmp_path):
    lib = make_library(
        {
            "techniques/neck.yaml": technique_yaml("Neck glide")
            + 'source: !!python/object/apply:os.system ["touch owned"]\n'
        }
    )
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2
    assert "the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'" in result.stderr
    assert not (tmp_path / "owned").exists()


# --- what is printed is what was meant -----------------------------------------------------


def test_a_spine_warning_the_font_cannot_draw_is_refused(run, make_library):
    setting = (REPO / "techniques" / "_setting.yaml").read_text(encoding="utf-8")
    setting = setting.replace("spine_short: Beside the spine", "spine_short: 按 Beside the spine")
    assert "按" in setting
    lib = make_library({"techniques/_setting.yaml": setting})
    result = run("--library", lib, "card", "-o", "x.pdf")
    assert result.exit_code == 2
    assert "spine_short: '按' (U+6309) cannot be printed with the font" in result.stderr


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("{block: space, height: abc}", "front[0].height: expected a number, got text ('abc')"),
        ("{block: space, height: -4}", "front[0].height: -4 lines is out of range"),
        ("{block: diagrams, columns: -3}", "front[0].columns: -3 is out of range: use 1 to 6."),
        ("{block: diagrams, columns: 1000000}", "front[0].columns: 1000000 is out of range"),
        ("{block: steps, columns: 2}", "a steps block does not take 'columns'"),
        (
            "{block: text, template: t.j2, style: huge}",
            "front[0].style: Text style 'huge' is not known. Use one of: body, muted",
        ),
    ],
    ids=[
        "height-text",
        "negative-space",
        "negative-columns",
        "million-columns",
        "wrong-block",
        "unknown-style",
    ],
)
def test_layout_block_options_are_validated_as_the_renderer_uses_them(
    run, make_library, block, message
):
    lib = make_library(
        {
            "layouts/mine/layout.yaml": f"extends: bedside\nfront:\n  - {block}\n",
            "layouts/mine/t.j2": "{{ plan.title }}\n",
        }
    )
    result = run("--library", lib, "validate", lib)
    assert result.exit_code == 2
    assert message in result.stderr


def test_font_size_below_the_legible_minimum_is_refused(run, make_library):
    lib = make_library(
        {
            "layouts/mine/layout.yaml": "extends: bedside\n",
            "layouts/mine/title.j2": '<font size="4">{{ plan.title }}</font>\n',
        }
    )
    result = run("--library", lib, "card", "--layout", "mine", "-o", "x.pdf")
    assert result.exit_code == 2
    assert result.stderr == (
        'Error: lib/layouts/mine/title.j2: <font size="4"> is below this layout\'s legible '
        "minimum of 7 pt. Use 7 or more.\n"
    )


def test_oversized_files_are_refused_before_being_read(run, make_library, tmp_path):
    lib = make_library({"layouts/mine/layout.yaml": "extends: bedside\n"})
    with open(lib / "layouts" / "mine" / "title.j2", "wb") as handle:
        handle.truncate(3 << 30)  # a sparse 3 GB snippet: reading it whole would take 3 GB
    with open(lib / "techniques.yaml", "wb"):
        pass
    result = run("--library", lib, "card", "--layout", "mine", "-o", "x.pdf")
    assert result.exit_code == 2
    assert "title.j2: file is 3145728 KiB; snippets are limited to 64 KiB." in result.stderr
