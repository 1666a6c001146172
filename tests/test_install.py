"""`pip install .` (not editable) must carry the built-in techniques and layouts in the wheel."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.slow  # builds wheels and venvs


def test_wheel_in_a_fresh_venv_works_from_another_folder(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("massage_booklet-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "booklet/builtin/techniques/fan-stroke.yaml" in names
    assert "booklet/builtin/techniques/routines/classic.yaml" in names
    assert "booklet/builtin/layouts/bedside/layout.yaml" in names
    assert "booklet/text/typefaces/BookletSans-Regular.ttf" in names
    assert "booklet/text/typefaces/BookletText-Regular.ttf" in names
    assert "booklet/text/typefaces/LICENSE-Source-Sans-3.txt" in names
    assert "booklet/text/typefaces/LICENSE-Bitstream-Vera.txt" in names
    assert "booklet/press/profiles/booklet-fogra39.icc" in names
    assert "booklet/press/profiles/LICENSE-FOGRA39-data.txt" in names
    assert "booklet/cli/starter_files/technique.yaml" in names
    assert "booklet/cli/starter_files/es/technique.yaml" in names
    assert "booklet/builtin/examples/batch.yaml" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    header = zipfile.ZipFile(wheel).read(metadata).decode()
    assert (
        "\nName: massage-booklet\n" in header
        and "\nLicense-Expression: MIT AND OFL-1.1 AND Bitstream-Vera AND Zlib\n" in header
    )

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    target = Path(
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # install the wheel itself into the fresh venv; its dependencies come from this environment
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    (target / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    python = str(venv / "bin" / "python")
    where = subprocess.run(
        [python, "-c", "import booklet; print(booklet.__file__)"],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(target)), where  # the wheel's copy, not this checkout
    listing = subprocess.run(
        [python, "-m", "booklet", "techniques"], cwd=elsewhere, capture_output=True, text=True
    )
    assert listing.returncode == 0, listing.stderr
    for ident in ("fan-stroke", "circling-hands", "petrissage", "raking"):
        assert ident in listing.stdout
    card = subprocess.run(
        [python, "-m", "booklet", "card", "-o", "c.pdf"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert card.returncode == 0, card.stderr
    assert (elsewhere / "c.pdf").read_bytes().startswith(b"%PDF")
    init = subprocess.run(
        [python, "-m", "booklet", "init", "mylib"], cwd=elsewhere, capture_output=True, text=True
    )
    assert init.returncode == 0, init.stderr
    book = subprocess.run(
        [
            python,
            "-m",
            "booklet",
            "--library",
            "mylib",
            "book",
            "-t",
            "shoulder-glide",
            "-o",
            "b.pdf",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert book.returncode == 0, book.stderr
    example = subprocess.run(
        [python, "-m", "booklet", "example", "batch"], cwd=elsewhere, capture_output=True, text=True
    )
    assert example.returncode == 0, example.stderr
    dry = subprocess.run(
        [python, "-m", "booklet", "batch", "batch.yaml", "-o", "out", "--dry-run"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr


def test_the_sdist_holds_what_its_tests_need_and_they_pass(tmp_path):
    """Built from a checkout, unpacked elsewhere: the tests that read its files pass there."""
    import tarfile

    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-c", _SDIST_WITH_HATCHLING, str(REPO), str(dist)],
        check=True,
        capture_output=True,
    )
    (sdist,) = dist.glob("massage_booklet-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    (root,) = (tmp_path / "src").iterdir()
    for needed in ("examples/batch.yaml", "tools/gallery.py", "docs/gallery", "LICENSE", ".ci/run"):
        assert (root / needed).exists(), needed
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_docs.py",
         "tests/test_validate.py", "tests/test_markup.py"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


# hatchling is what pip builds this project with (a test dependency too): call it directly
_SDIST_WITH_HATCHLING = """
import os, sys
os.chdir(sys.argv[1])
from hatchling.build import build_sdist
build_sdist(sys.argv[2])
"""


def test_the_licence_expression_names_every_licence_the_wheel_ships():
    """The wheel's SPDX licence covers the code, every face and the press profile in it, and
    stays true as they are added: each licence file's licence is in the expression."""
    import tomllib

    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    expression = set(meta["license"].replace("(", " ").replace(")", " ").split()) - {"AND", "OR"}
    found = {"MIT"}
    shipped = [*(REPO / "booklet" / "text" / "typefaces").glob("LICENSE-*.txt")]
    shipped += (REPO / "booklet" / "press" / "profiles").glob("LICENSE-*.txt")
    for path in sorted(shipped):
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        if "sil open font license" in text:
            found.add("OFL-1.1")
        elif "bitstream" in text:
            found.add("Bitstream-Vera")
        elif "the zlib/libpng license" in text:
            found.add("Zlib")
        else:
            raise AssertionError(f"{path.name}: which licence is this? Name it in pyproject.toml")
    assert found == expression
