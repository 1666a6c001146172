"""Batches: expansion, parallel builds, resuming, failure isolation, safe names, interrupts."""

from __future__ import annotations

import hashlib
import json

import pytest

from booklet.batch.runner import expand
from tests.helpers import REPO, pdf_reader

EXAMPLE = REPO / "examples" / "batch.yaml"


def manifest(folder):
    return json.loads((folder / "manifest.json").read_text())


def write_batch(tmp_path, text: str, name: str = "b.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_example_builds_everything_then_nothing(run, tmp_path):
    result = run("batch", EXAMPLE, "-o", "one", "--jobs", "2")
    assert result.exit_code == 0, result.output
    data = manifest(tmp_path / "one")
    assert len(data["variants"]) == 13
    assert "Done: 13 built, 0 skipped, 0 failed" in result.output
    for entry in data["variants"]:
        pdf = tmp_path / "one" / entry["output"]
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == entry["sha256"]
        assert entry["status"] == "ok" and entry["pages"] == len(pdf_reader(pdf).pages)
    again = run("batch", EXAMPLE, "-o", "one", "--jobs", "2")
    assert again.exit_code == 0
    assert "Nothing to build: all 13 variants are up to date." in again.output
    other = run("batch", EXAMPLE, "-o", "two", "--jobs", "1")
    assert other.exit_code == 0
    for entry in data["variants"]:
        first = (tmp_path / "one" / entry["output"]).read_bytes()
        assert first == (tmp_path / "two" / entry["output"]).read_bytes(), entry["output"]


def test_one_bad_variant_does_not_stop_the_others(run, tmp_path):
    batch = write_batch(
        tmp_path,
        """
output: "{name}.pdf"
variants:
  - {name: good-one, routine: classic}
  - {name: typo, techniques: [fan-strok]}
  - {name: too-big, routine: classic, layout: large-print, size: 3x5}
  - {name: bad-size, routine: classic, size: 4x}
  - {name: good-two, routine: gentle, layout: compact}
""",
    )
    result = run("batch", batch, "-o", "out", "--jobs", "1")
    assert result.exit_code == 2
    out = tmp_path / "out"
    assert (out / "good-one.pdf").is_file() and (out / "good-two.pdf").is_file()
    assert not (out / "typo.pdf").exists()
    lines = result.output.splitlines()
    assert (
        "failed  typo (typo.pdf): b.yaml:5: techniques: no technique 'fan-strok'. Did you "
        "mean 'fan-stroke'? "
        "Known: circling-hands, fan-stroke, petrissage, raking. See `booklet techniques`." in lines
    )
    assert any(
        x.startswith("failed  too-big (too-big.pdf): the front of the 'large-print' card")
        for x in lines
    )
    assert any(
        x.startswith("failed  bad-size (bad-size.pdf): b.yaml:7: size: '4x' is not known.")
        for x in lines
    )
    statuses = {e["name"]: e["status"] for e in manifest(out)["variants"]}
    assert statuses == {
        "good-one": "ok",
        "typo": "failed",
        "too-big": "failed",
        "bad-size": "failed",
        "good-two": "ok",
    }
    # the failures are retried on the next run; the good ones are kept
    again = run("batch", batch, "-o", "out", "--jobs", "1")
    assert "Done: 0 built, 2 skipped, 3 failed" in again.output


def test_a_variant_whose_layouts_own_size_is_too_small_fails_and_is_never_enlarged(run, tmp_path):
    """A batch prints in bulk: a variant without a size, whose layout's own size cannot hold
    it in its language (compact, 3x5, French), fails alone, naming `size` and a size that
    fits; the command line would have made it larger with a note (found by attack: the batch
    made it larger and said nothing)."""
    batch = write_batch(
        tmp_path,
        """
output: "{name}.pdf"
variants:
  - {name: english, routine: classic, layout: compact}
  - {name: french, routine: classic, layout: compact, lang: fr}
""",
    )
    result = run("batch", batch, "-o", "out", "--jobs", "1")
    assert result.exit_code == 2
    assert (tmp_path / "out" / "english.pdf").is_file()
    assert not (tmp_path / "out" / "french.pdf").exists()
    failed = [line for line in result.output.splitlines() if line.startswith("failed  french")]
    assert len(failed) == 1 and "size: the back of the 'compact' card does not fit" in failed[0]
    assert "(e.g. 4x6)" in failed[0]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("../{name}.pdf", "would be written outside the output folder"),
        ("/tmp/{name}.pdf", "would be written outside the output folder"),
        ("{name}-{colour}.pdf", "uses 'colour', which this variant does not set"),
    ],
)
def test_unsafe_or_broken_output_names_are_refused(run, tmp_path, pattern, reason):
    batch = write_batch(tmp_path, f'output: "{pattern}"\nvariants:\n  - {{name: x}}\n')
    result = run("batch", batch, "-o", "out")
    assert result.exit_code == 2
    assert reason in result.stderr
    assert "b.yaml:3: variants[0]:" in result.stderr
    assert not (tmp_path / "out").exists()


def test_clashing_output_names_are_refused(run, tmp_path):
    batch = write_batch(tmp_path, "variants:\n  - {name: a, size: [4x6, 5x7]}\n")
    result = run("batch", batch, "-o", "out")
    assert result.exit_code == 2
    assert (
        "variants 'a' and 'a' would both write a.pdf. Add a field such as {size}" in result.stderr
    )


def test_unknown_option_is_named_with_a_hint(run, tmp_path):
    batch = write_batch(tmp_path, "variants:\n  - {name: a, sise: 4x6}\n")
    result = run("batch", batch)
    assert result.exit_code == 2
    assert (
        "b.yaml:2: variants[0].sise: unknown option 'sise'. Did you mean 'size'?" in result.stderr
    )


def test_dry_run_checks_without_rendering(run, tmp_path):
    batch = write_batch(
        tmp_path,
        "variants:\n  - {name: ok, routine: classic}\n  - {name: bad, layout: nope}\n",
    )
    result = run("batch", batch, "-o", "out", "--dry-run")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "would build  ok.pdf",
        "invalid      bad.pdf: no layout 'nope'. Known: bedside, compact, gift, large-print. "
        "See `booklet layouts`.",
        "Dry run: 1 to build, 0 unchanged, 1 invalid.",
    ]
    assert not list(tmp_path.glob("out/*.pdf"))


def test_changes_trigger_rebuilds_and_force_and_only(run, tmp_path, make_library):
    from tests.helpers import technique_yaml

    lib = make_library({"techniques/mine.yaml": technique_yaml("Mine")})
    batch = write_batch(
        tmp_path, "variants:\n  - {name: a, techniques: [mine]}\n  - {name: b, routine: short}\n"
    )
    assert run("--library", lib, "batch", batch, "--jobs", "1").exit_code == 0
    (lib / "techniques" / "mine.yaml").write_text(technique_yaml("Mine, reworded"))
    result = run("--library", lib, "batch", batch, "--jobs", "1")
    assert "Done: 2 built, 0 skipped" in result.output  # the library changed: both rebuilt
    (tmp_path / "out" / "b.pdf").write_bytes(b"tampered")
    result = run("--library", lib, "batch", batch, "--jobs", "1")
    assert "Done: 1 built, 1 skipped" in result.output
    result = run("--library", lib, "batch", batch, "--jobs", "1", "--force", "--only", "a")
    assert "Done: 1 built, 0 skipped" in result.output
    result = run("--library", lib, "batch", batch, "--only", "zz")
    assert result.exit_code == 2 and "no variant matches --only 'zz'" in result.stderr


def test_interrupt_leaves_no_partial_pdf_and_a_true_manifest(run, tmp_path, monkeypatch):
    """Ctrl-C arrives while the third PDF is being written: no half-written file is left, and
    the manifest lists exactly the PDFs on disk (those done before, the interrupted one handed
    over again, and any that finished in the jail while the batch stopped)."""
    import booklet.batch.runner

    real = booklet.batch.runner.write_atomic
    pdfs = []

    def interrupted(path, data):
        if str(path).endswith(".pdf"):
            pdfs.append(path.name)
            if len(pdfs) == 3:
                raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(booklet.batch.runner, "write_atomic", interrupted)
    batch = write_batch(
        tmp_path,
        "variants:\n  - {name: v, routine: short, size: [3x5, 4x6, "
        "5x7, a6], layout: compact}\noutput: '{name}-{size}.pdf'\n",
    )
    result = run("batch", batch, "-o", "out", "--jobs", "1")
    assert result.exit_code == 130 and "Interrupted." in result.output
    out = tmp_path / "out"
    on_disk = sorted(p.name for p in out.iterdir() if not p.name.startswith(".booklet"))
    assert "v-3x5.pdf" in on_disk and "v-4x6.pdf" in on_disk  # the interrupted one is written
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]  # again, or not at all
    listed = sorted(e["output"] for e in manifest(out)["variants"])
    assert listed == [n for n in on_disk if n != "manifest.json"]


def test_a_second_batch_into_the_same_folder_is_refused(run, tmp_path):
    from booklet.batch.runner import folder_lock

    batch = write_batch(tmp_path, "variants:\n  - {name: a}\n")
    (tmp_path / "out").mkdir()
    with folder_lock(tmp_path / "out"):
        result = run("batch", batch, "-o", "out")
    assert result.exit_code == 2
    assert "out: another batch is writing to this folder." in result.stderr


def test_expansion_is_a_cross_product():
    rows = list(
        expand(
            {
                "name": "x",
                "size": ["4x6", "5x7"],
                "layout": ["a", "b"],
                "techniques": ["raking", "fan-stroke"],
            }
        )
    )
    assert len(rows) == 4
    assert all(r["techniques"] == ["raking", "fan-stroke"] for r in rows)
    lists = list(expand({"name": "x", "techniques": [["raking"], ["fan-stroke"]]}))
    assert [r["techniques"] for r in lists] == [["raking"], ["fan-stroke"]]


def test_too_many_variants_is_refused_quickly(run, tmp_path):
    names = ", ".join(f"n{i}" for i in range(101))
    sizes = ", ".join(["4x6"] * 100)
    batch = write_batch(
        tmp_path,
        f"output: '{{name}}-{{size}}.pdf'\nvariants:\n  - {{name: [{names}], size: [{sizes}]}}\n",
    )
    result = run("batch", batch, "--dry-run")
    assert result.exit_code == 2
    assert "variants: expands to more than 10000 variants. Split it." in result.stderr


def test_too_many_techniques_on_the_command_line(run):
    result = run("card", *["-t", "raking"] * 41)
    assert result.exit_code == 2
    assert "41 techniques given; the limit is 40." in result.stderr


def test_ctrl_c_with_worker_processes_keeps_manifest_and_disk_in_step(tmp_path):
    """A real SIGINT to the whole process group, as Ctrl-C sends, mid-way through a pool run."""
    import os
    import signal
    import subprocess
    import sys
    import time

    names = ", ".join(f"c{i}" for i in range(300))
    batch = write_batch(
        tmp_path,
        f"output: '{{name}}.pdf'\nvariants:\n"
        f"  - {{name: [{names}], routine: short, layout: compact}}\n",
    )
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "booklet", "batch", str(batch), "-o", str(out), "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.pdf"))) < 20:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    said = proc.communicate(timeout=60)[1].decode(errors="replace")
    on_disk = sorted(p.name for p in out.glob("*.pdf"))
    entries = manifest(out)["variants"]
    listed = sorted(e["output"] for e in entries)
    astray = [e for e in entries if e["output"] not in on_disk]  # what, and why, if it fails
    assert listed == on_disk, (astray, said[-1500:])
    assert 20 <= len(on_disk) <= 300
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    for entry in manifest(out)["variants"]:
        data = (out / entry["output"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_manifest_is_json_with_one_variant_a_line(tmp_path):
    import json

    from booklet.batch.runner import Result, write_manifest

    write_manifest(tmp_path, tmp_path / "b.yaml", {})
    assert json.loads((tmp_path / "manifest.json").read_text())["variants"] == []
    results = {
        f"v{i}.pdf": Result(f"v{i}", f"v{i}.pdf", {"size": "4x6"}, "fp", "built", 2, "ab", None)
        for i in range(3)
    }
    write_manifest(tmp_path, tmp_path / "b.yaml", results)
    text = (tmp_path / "manifest.json").read_text()
    data = json.loads(text)
    assert [v["output"] for v in data["variants"]] == ["v0.pdf", "v1.pdf", "v2.pdf"]
    lines = [line.strip().rstrip(",") for line in text.splitlines() if '"output"' in line]
    assert [json.loads(line)["name"] for line in lines] == ["v0", "v1", "v2"]


@pytest.fixture
def slow_disk(monkeypatch):
    """A disk whose first PDF takes as long to flush as the renders behind it: its write waits
    until another finished render has been queued for writing (or 20 s go by)."""
    import threading

    import booklet.batch.runner
    import booklet.batch.work

    queued = threading.Semaphore(0)
    real_put, real_write = booklet.batch.work.Writer.put, booklet.batch.runner.write_atomic
    seen = {"threads": set(), "waited": None}

    def put(self, future):
        real_put(self, future)
        queued.release()

    def write(path, data):
        if str(path).endswith(".pdf"):
            seen["threads"].add(threading.current_thread().name)
            if seen["waited"] is None:
                queued.acquire(timeout=20)  # the one being written
                seen["waited"] = queued.acquire(timeout=20)  # one more, queued meanwhile
        return real_write(path, data)

    monkeypatch.setattr(booklet.batch.work.Writer, "put", put)
    monkeypatch.setattr(booklet.batch.runner, "write_atomic", write)
    return seen


def test_workers_keep_rendering_while_a_file_is_flushed(run, tmp_path, slow_disk):
    """Files are written and flushed in a thread of their own: the pool hands out and collects
    renders meanwhile, so a slow disk does not leave the workers idle."""
    batch = write_batch(
        tmp_path,
        "variants:\n  - {name: v, routine: short, size: [3x5, 4x6, 5x7], layout: compact}\n"
        "output: '{name}-{size}.pdf'\n",
    )
    result = run("batch", batch, "-o", "out", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert slow_disk["waited"] is True
    assert slow_disk["threads"] == {"booklet-batch-writer"}
    assert sorted(e["output"] for e in manifest(tmp_path / "out")["variants"]) == [
        "v-3x5.pdf", "v-4x6.pdf", "v-5x7.pdf"
    ]  # fmt: skip
