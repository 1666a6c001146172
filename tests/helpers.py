"""Helpers for reading the PDFs the tests make: text, boxes, pixels, validity."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
# Chromium as the page's tests (and the README's picture of the page) run it: headless in a
# container, with nothing of its own going to the network.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)


def technique_yaml(name: str = "Test stroke", **fields: str) -> str:
    """A valid technique file; keyword arguments replace or add top-level lines."""
    base = {
        "name": name,
        "summary": "A short test summary.",
        "kind": "glide",
        "pressure": "gentle",
        "minutes": "3",
        "steps": "\n  - Do the first thing.\n  - Do the second thing.",
        "avoid": "[spine]",
        "diagram": "\n  strokes:\n    - kind: glide\n      points: [[0.3, 0.2], [0.3, 0.8]]"
        "\n      mirror: true\n      order: 1",
    }
    base.update(fields)
    return "".join(f"{k}: {v}\n" for k, v in base.items() if v is not None)


def pdf_reader(data: bytes | Path) -> pypdf.PdfReader:
    raw = data.read_bytes() if isinstance(data, Path) else data
    return pypdf.PdfReader(io.BytesIO(raw))


def page_texts(data: bytes | Path) -> list[str]:
    return [page.extract_text() for page in pdf_reader(data).pages]


def in_the_open(data: bytes | Path) -> bytes:
    """The file with every object written out uncompressed (no object streams), for a test
    that looks for a key in the raw bytes: a tagged file keeps its dictionaries compressed in
    object streams, where a search of its raw bytes would never find one."""
    import pikepdf

    raw = data.read_bytes() if isinstance(data, Path) else data
    with pikepdf.open(io.BytesIO(raw)) as doc:
        out = io.BytesIO()
        doc.save(
            out,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
        )
    return out.getvalue()


def text_rects(data: bytes | Path, page: int = 0) -> list[tuple[float, float, float, float]]:
    """Text line boxes (left, bottom, right, top) in PDF points, from the PDF's text layer."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    doc = pdfium.PdfDocument(raw)
    textpage = doc[page].get_textpage()
    rects = [textpage.get_rect(i) for i in range(textpage.count_rects())]
    doc.close()
    return rects


def rasterize(data: bytes | Path, page: int = 0, dpi: float = 100, grey: bool = False):
    """A page as a PIL image (RGB, or L when grey)."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    doc = pdfium.PdfDocument(raw)
    image = doc[page].render(scale=dpi / 72).to_pil().convert("L" if grey else "RGB")
    doc.close()
    return image


def qpdf_check(path: Path) -> None:
    """qpdf --check must pass; CI installs qpdf, so it is required there."""
    exe = shutil.which("qpdf")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("qpdf is required in CI (.ci/run installs it)")
        pytest.skip("qpdf is not installed")
    done = subprocess.run([exe, "--check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


class Measured:
    """A finished command: exit code, output, wall time and the peak memory of its process
    tree (the largest resident set of it or any child it waited for, from wait4)."""

    def __init__(self, code: int, out: str, err: str, seconds: float, peak_mb: float) -> None:
        self.returncode = code
        self.stdout = out
        self.stderr = err
        self.seconds = seconds
        self.peak_mb = peak_mb


# Measures from a small process of its own: Linux carries a process's peak memory across
# exec, so a command started straight from a large test process would report the test's own.
_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(done.returncode)
"""


def run_measured(args: list[str], cwd: Path, timeout: float = 60, **kwargs) -> Measured:
    """Run a command to the end, measuring its time and its tree's peak resident memory (the
    largest of it and every child it waited for)."""
    import sys
    import tempfile
    import time

    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        peak_file = Path(scratch) / "peak"
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-c", _MEASURE, str(peak_file), *args],
            cwd=cwd,
            stdout=out,
            stderr=err,
            **kwargs,
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        seconds = time.monotonic() - started
        peak_kb = int(peak_file.read_text() or 0) if peak_file.exists() else 0
        out.seek(0)
        err.seek(0)
        return Measured(
            process.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            peak_kb / 1024,
        )
