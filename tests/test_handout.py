"""Therapist handouts: the client and the practice on the card and in the booklet, a QR code that
scans, a practice log, a spreadsheet of clients as a batch, and batches on a Dask cluster."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess

import pytest

from tests.helpers import page_texts, pdf_reader, rasterize

MARIA = [
    "--client", "Maria Lopez", "--therapist", "Ana Ruiz, LMT",
    "--contact", "555-0100, ana@example.org", "--date", "2026-11-24",
    "--note", "Go gently on the left shoulder.",
]  # fmt: skip
LINK = "https://example.org/back-routine?client=17"


@pytest.fixture
def logo(tmp_path):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).ellipse((10, 10, 110, 110), fill=(0, 120, 90))
    path = tmp_path / "logo.png"
    image.save(path)
    return path


def flat(pdf) -> str:
    return " ".join(" ".join(page_texts(pdf)).split())


def scanned(pdf, page: int, tmp_path) -> list[str]:
    """What zbarimg reads from a page rendered at 300 dpi."""
    if shutil.which("zbarimg") is None:
        if os.environ.get("CI"):
            pytest.fail("zbarimg is required in CI (.ci/run installs zbar-tools)")
        pytest.skip("zbarimg is not installed")
    from tests.helpers import rasterize

    png = tmp_path / f"page{page}.png"
    rasterize(pdf, page, dpi=300).save(png)
    done = subprocess.run(
        ["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, timeout=60
    )
    return done.stdout.split()


def images_on(pdf, page: int) -> int:
    return len(pdf_reader(pdf).pages[page].images)


def test_card_prints_the_client_the_practice_and_a_link_that_scans(run, tmp_path, logo):
    result = run("card", *MARIA, "--logo", logo, "--link", LINK, "-o", "c.pdf")
    assert result.exit_code == 0, result.output
    text = flat(tmp_path / "c.pdf")
    for words in ("For Maria Lopez · 24 Nov 2026", "Ana Ruiz, LMT · 555-0100, ana@example.org",
                  "Go gently on the left shoulder.", LINK):  # fmt: skip
        assert words in text, words
    assert images_on(tmp_path / "c.pdf", 0) == 1  # the logo, on the front
    assert scanned(tmp_path / "c.pdf", 0, tmp_path) == [LINK]  # the back keeps the safety set
    for words in ("Do not massage", "does not diagnose or treat anything"):
        assert words in text  # the safety set stays


def test_the_booklet_has_a_practice_log_and_the_practice_on_its_back(run, tmp_path, logo):
    assert run("book", "-o", "plain.pdf").exit_code == 0
    plain = flat(tmp_path / "plain.pdf")
    assert "Practice log" in plain and "Week 4 " in plain and "Mon Tue Wed" in plain
    assert len(pdf_reader(tmp_path / "plain.pdf").pages) % 4 == 0
    result = run("book", *MARIA, "--logo", logo, "--link", LINK, "-o", "b.pdf")
    assert result.exit_code == 0, result.output
    last = len(pdf_reader(tmp_path / "b.pdf").pages) - 1
    back = " ".join(page_texts(tmp_path / "b.pdf")[last].split())
    assert "Made for Maria Lopez, 24 Nov 2026" in back and "Ana Ruiz, LMT" in back
    assert images_on(tmp_path / "b.pdf", last) == 1
    assert scanned(tmp_path / "b.pdf", last, tmp_path) == [LINK]


def test_a_practice_log_card_keeps_the_safety_set(run, tmp_path):
    result = run("card", "--back", "log", "--link", LINK, "-o", "c.pdf")
    assert result.exit_code == 0, result.output
    back = " ".join(page_texts(tmp_path / "c.pdf")[1].split())
    assert "Practice log" in back and "Week 6" in back
    assert "Never press on the spine" in back and "Do not massage" in back
    assert scanned(tmp_path / "c.pdf", 0, tmp_path) == [LINK]  # on the front, as always


def test_pressure_cap_minutes_and_step_times(run, make_library, tmp_path):
    result = run("card", "--max-pressure", "light", "--minutes", "10", "-o", "c.pdf")
    assert result.exit_code == 0, result.output
    front = " ".join(page_texts(tmp_path / "c.pdf")[0].split())
    assert "moderate pressure" not in front and "gentle pressure" not in front
    assert front.count("light pressure") == 4
    assert "10 minutes" in front
    lib = make_library(
        {"techniques/routines/home.yaml": "title: Home\nsteps:\n"
         "  - {technique: fan-stroke, times: 3 times a week}\n"}
    )  # fmt: skip
    assert run("--library", lib, "card", "home", "-o", "h.pdf").exit_code == 0
    assert "3 times a week" in page_texts(tmp_path / "h.pdf")[0]


@pytest.mark.parametrize(
    ("routine", "total", "expected"),
    [
        ("gentle", "15", ["4 min", "4 min", "4 min", "3 min"]),  # was 4.5, 4.5, 3.5, 2.5
        ("classic", "10", ["3 min", "2 min", "3 min", "2 min"]),
        ("classic", "2", ["0.5 min", "0.5 min", "0.5 min", "0.5 min"]),  # too short for whole
    ],
    ids=["whole-minutes", "largest-remainders", "halves-where-whole-cannot"],
)
def test_scaled_steps_are_whole_minutes_where_the_total_allows(run, tmp_path, routine, total,
                                                               expected):  # fmt: skip
    assert run("card", routine, "--minutes", total, "-o", "c.pdf").exit_code == 0
    front = page_texts(tmp_path / "c.pdf")[0]
    assert re.findall(r"\d+(?:\.\d)? min\b", front) == expected
    assert f"{total} minutes" in " ".join(front.split())


def test_the_therapists_note_is_boxed_under_the_clients_name(run, tmp_path):
    """Seen first: in a box right under who the card is for, before the steps; and on the
    booklet's routine page."""
    import pypdfium2 as pdfium

    assert run("card", *MARIA, "-o", "c.pdf").exit_code == 0
    front = page_texts(tmp_path / "c.pdf")[0]
    lines = [line.strip() for line in front.splitlines()]
    note = lines.index("A note for you: Go gently on the left shoulder.")
    assert lines[note - 1].startswith("Ana Ruiz, LMT") and "Fan stroke" in " ".join(lines[note:])
    doc = pdfium.PdfDocument((tmp_path / "c.pdf").read_bytes())
    textpage = doc[0].get_textpage()
    index, _ = textpage.search("A note for you").get_next()
    left, bottom, _, top = textpage.get_charbox(index)
    doc.close()
    image = rasterize(tmp_path / "c.pdf", 0, dpi=150)
    row = round(image.height - (bottom + top) / 2 * 150 / 72)
    edge = [image.getpixel((x, row)) for x in range(round(left * 150 / 72) - 2, 0, -1)]
    assert any(abs(r - 0xB3) < 40 and abs(g - 0x47) < 40 and b < 60 for r, g, b in edge)  # boxed
    assert run("book", *MARIA, "-o", "b.pdf").exit_code == 0
    routine = next(t for t in page_texts(tmp_path / "b.pdf") if "Your routine:" in t)
    assert "A note for you: Go gently on the left shoulder." in " ".join(routine.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--link", "ftp://example.org/x"], "--link: 'ftp://example.org/x' "
         "must be a web address starting with https://"),
        (["--link", "https://example.org/" + "a" * 480], "is too long to scan at"),
        (["--date", "24/11/2026"], "--date: '24/11/2026' is not a date. "
         "Write it as 2026-11-24."),
        (["--logo", "missing.png"], "--logo: missing.png: file not found."),
        (["--logo", "fake.png"], "fake.png is not a PNG or JPEG image. Save the logo as PNG."),
        (["--logo", "huge.png"], "huge.png is 5000 x 10 pixels; the limit is 4000 a side."),
        (["--client", "Ana", "--layout", "compact"], "--client: has no "
         "place on the 'compact' layout (it has no client block)."),
        (["--max-pressure", "hard"], "--max-pressure: 'hard' is not one of"),
    ],
)  # fmt: skip
def test_bad_handout_options_are_clear_errors(run, tmp_path, args, message):
    from PIL import Image

    (tmp_path / "fake.png").write_text("not an image")
    Image.new("L", (5000, 10)).save(tmp_path / "huge.png")
    result = run("card", *args, "-o", "c.pdf")
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "c.pdf").exists()


def write_clients(path, rows, delimiter=",", bom=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)


def test_a_spreadsheet_of_clients_builds_the_good_rows_and_names_the_bad_one(run, tmp_path):
    rows = [["client", "routine", "therapist", "note"]]
    for i in range(25):
        routine = "clasic" if i == 20 else ["classic", "gentle", "short"][i % 3]
        note = "Two lines,\nin one cell" if i == 2 else ""
        rows.append([f"Client {i}", routine, "Ana Ruiz; LMT", note])
    write_clients(tmp_path / "clients.csv", rows, delimiter=";", bom=True)
    (tmp_path / "b.yaml").write_text('variants: clients.csv\noutput: "{client}.pdf"\n')
    result = run("batch", "b.yaml", "-o", "out", "--jobs", "1")
    assert result.exit_code == 2
    built = sorted(p.name for p in (tmp_path / "out").glob("*.pdf"))
    assert len(built) == 24 and "Client-20.pdf" not in built
    # row 20 starts on line 23: the header, 20 rows before it, and one quoted line break
    assert "clients.csv:23: routine: no routine 'clasic'. Did you mean 'classic'?" in result.output
    assert "Client 7" in flat(tmp_path / "out" / "Client-7.pdf")
    assert "Two lines, in one cell" in flat(tmp_path / "out" / "Client-2.pdf")


def test_a_spreadsheet_column_that_is_no_option_is_named(run, tmp_path):
    write_clients(tmp_path / "c.csv", [["clinet", "routine"], ["Ana", "classic"]])
    (tmp_path / "b.yaml").write_text("variants: c.csv\n")
    result = run("batch", "b.yaml")
    assert result.exit_code == 2
    assert "c.csv:1: column 'clinet' is not an option. Did you mean 'client'?" in result.stderr
    (tmp_path / "e.yaml").write_text("variants: ../c.csv\n")
    assert "must be a file in the batch file's folder" in run("batch", "e.yaml").stderr


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address


@pytest.mark.slow
def test_a_cluster_batch_writes_the_same_bytes_as_the_local_pool(run, tmp_path, logo, cluster):
    rows = [["client", "routine", "logo", "link"]]
    rows += [[f"Client {i}", ["classic", "gentle"][i % 2], "logo.png", LINK] for i in range(6)]
    rows.append(["Broken", "clasic", "", ""])
    write_clients(tmp_path / "clients.csv", rows)
    (tmp_path / "b.yaml").write_text('variants: clients.csv\noutput: "{client}.pdf"\n')
    local = run("batch", "b.yaml", "-o", "local", "--jobs", "2")
    remote = run("batch", "b.yaml", "-o", "remote", "--scheduler", cluster)
    assert local.exit_code == remote.exit_code == 2  # the broken row fails in both
    names = sorted(p.name for p in (tmp_path / "local").glob("*.pdf"))
    assert len(names) == 6
    for name in names:
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "remote" / name).read_bytes()
    again = run("batch", "b.yaml", "-o", "remote", "--scheduler", cluster)
    assert "6 skipped" in again.output  # the manifest is kept as the local pool keeps it


def test_an_unreachable_scheduler_is_a_clear_error(run, tmp_path):
    pytest.importorskip("distributed")
    (tmp_path / "b.yaml").write_text("variants:\n  - name: a\n")
    result = run("batch", "b.yaml", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr


def test_a_technique_video_is_a_qr_code_on_its_booklet_page(run, make_library, tmp_path):
    from tests.helpers import REPO

    fan = (REPO / "techniques" / "fan-stroke.yaml").read_text(encoding="utf-8")
    video = "https://example.org/videos/fan-stroke"
    lib = make_library({"techniques/fan-stroke.yaml": fan + f"video: {video}\n"})
    assert run("--library", lib, "book", "-o", "b.pdf").exit_code == 0
    texts = page_texts(tmp_path / "b.pdf")
    page = [i for i, t in enumerate(texts) if "1. Fan stroke\n" in t][-1]  # the words' page
    assert scanned(tmp_path / "b.pdf", page, tmp_path) == [video]
    bad = make_library({"techniques/fan-stroke.yaml": fan + "video: javascript:alert(1)\n"})
    result = run("validate", bad)
    assert result.exit_code == 2
    assert "video: 'javascript:alert(1)' must be a web address starting with https://" in (
        result.stderr
    )


def test_the_clients_example_builds_a_card_per_row(run, tmp_path):
    assert run("example", "clients").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.csv", "clients.yaml"]
    result = run("batch", "clients.yaml", "-o", "handouts", "--jobs", "1")
    assert result.exit_code == 0, result.output
    maria = flat(tmp_path / "handouts" / "Maria-Lopez.pdf")
    assert "For Maria Lopez · 24 Nov 2026" in maria and "15 minutes" in maria
    again = run("example", "clients")
    assert again.exit_code == 2 and "already exists" in again.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "c.csv: is empty. Give a header row, then a row per client."),
        (b"client,routine\n", "c.csv: has a header but no rows."),
        (b"client,routine\nAna,classic,extra\n", "c.csv:2: has 3 cells but the header names 2"),
        (b"client\n\xff\xfe\n", "c.csv:2: is not UTF-8 text. Save the spreadsheet as 'CSV UTF-8'."),
        (b"client,client\nA,B\n", "c.csv:1: column 'client' appears twice."),
        (b"client,\nA,B\n", "c.csv:1: column 2 has no name in the header row."),
        (b"client\n" + b"x" * 3000 + b"\n", "c.csv:2: the client cell is 3000 characters"),
        (b'client\n"never closed\n', "c.csv:2: cannot be read as CSV"),
    ],
)  # fmt: skip
def test_a_broken_spreadsheet_is_one_clear_error(run, tmp_path, content, message):
    (tmp_path / "c.csv").write_bytes(content)
    (tmp_path / "b.yaml").write_text("variants: c.csv\n")
    result = run("batch", "b.yaml")
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_a_spreadsheet_link_leading_outside_the_batch_folder_is_refused(run, tmp_path):
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.csv").write_text("client\nroot:x:0:0\n")
    (tmp_path / "batch").mkdir()
    (tmp_path / "batch" / "c.csv").symlink_to(outside / "secret.csv")
    (tmp_path / "batch" / "b.yaml").write_text("variants: c.csv\n")
    result = run("batch", "batch/b.yaml")
    assert result.exit_code == 2
    assert "leads outside the batch file's folder" in result.stderr
    assert "root:x" not in result.output


@pytest.mark.slow
def test_a_cluster_batch_ships_language_folders_and_layout_fonts(run, tmp_path, cluster):
    """The bundle holds a library's language folders and a layout's font file, so workers
    print what the local pool prints."""
    from tests.helpers import FIXTURES

    shutil.copytree(FIXTURES / "cjk", tmp_path / "lib")
    shutil.copytree(FIXTURES / "scripts" / "techniques" / "he", tmp_path / "lib/techniques/he")
    (tmp_path / "b.yaml").write_text(
        "variants:\n"
        "  - {name: zh, techniques: [chinese-stroke], layout: cjk-card}\n"
        "  - {name: he, lang: he, routine: classic}\n",
        encoding="utf-8",
    )
    local = run("--library", "lib", "batch", "b.yaml", "-o", "local")
    remote = run("--library", "lib", "batch", "b.yaml", "-o", "remote", "--scheduler", cluster)
    assert local.exit_code == remote.exit_code == 0, remote.output
    for name in ("zh.pdf", "he.pdf"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "remote" / name).read_bytes()
    assert "עדין" in page_texts(tmp_path / "remote" / "he.pdf")[0]
