"""booklet's benchmark: every performance figure with its target, in one run.

    python benchmarks/run.py            # prints a table, writes benchmarks/results.json
    python benchmarks/run.py --quick    # fewer repeats and a 200-card batch, for a fast look

Each figure is the median of several runs with its spread (min..max). The floor is a minimal
hand-written ReportLab canvas script that draws a comparable card (no layouts, no validation),
run in the same session and taking turns with booklet; each ratio is the median of the
round-by-round ratios, so it holds across machines and a shared machine's slow spells fall on
both sides alike. The floor is on the strict side: its card has
about a sixth of the page operators of booklet's default card and two thirds of the text. Card
content varies from run to run so nothing is measured from a cache; processes run after one
warm-up, with Python's bytecode cache as an installed tool has it (booklet keeps no cache of
its own).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BOOKLET = [PYTHON, "-m", "booklet"]

REFERENCE_SCRIPT = textwrap.dedent(
    '''
    """A 4x6 in routine card drawn straight on a ReportLab canvas: the floor to compare with."""
    import io, os, sys
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas
    import reportlab

    fonts = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    for name, file in (("V", "Vera.ttf"), ("VB", "VeraBd.ttf")):
        pdfmetrics.registerFont(TTFont(name, os.path.join(fonts, file)))

    def card(seed):
        buf = io.BytesIO()
        c = Canvas(buf, pagesize=(288, 432), invariant=1)
        for side in range(2):
            c.setFont("VB", 14)
            c.drawString(14, 400, f"Back massage routine {seed}")
            y = 370
            for step in range(4):
                c.setFont("VB", 10)
                c.drawString(14, y, f"{step + 1}. Technique {seed + step}")
                c.setFont("V", 8)
                for line in range(3):
                    y -= 11
                    c.drawString(24, y, f"Glide palms up beside the spine, line {line} {seed}")
                for box in range(5):
                    c.rect(24 + box * 7, y - 12, 5, 5, fill=box < 3)
                y -= 26
            for d in range(4):  # four simple back figures with a few strokes each
                x0 = 14 + (d % 2) * 130
                y0 = 40 + (d // 2) * 150 if side else 20
                p = c.beginPath()
                p.moveTo(x0 + 20, y0)
                p.curveTo(x0 + 10, y0 + 60, x0, y0 + 110, x0 + 30, y0 + 120)
                p.lineTo(x0 + 90, y0 + 120)
                p.curveTo(x0 + 120, y0 + 110, x0 + 110, y0 + 60, x0 + 100, y0)
                c.drawPath(p)
                c.rect(x0 + 56, y0, 8, 120)
                for k in range(12):
                    c.line(x0 + 56, y0 + k * 10, x0 + 64, y0 + k * 10 + 8)
                for s in (-1, 1):
                    c.bezier(x0 + 60 + s * 12, y0 + 20, x0 + 60 + s * 12, y0 + 80,
                             x0 + 60 + s * 30, y0 + 100, x0 + 60 + s * 45, y0 + 95)
            c.showPage()
        c.save()
        return buf.getvalue()

    if __name__ == "__main__":
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
        out = sys.argv[2] if len(sys.argv) > 2 else os.devnull
        for i in range(n):
            data = card(i)
        with open(out, "wb") as f:
            f.write(data)
    '''
)


def median_spread(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": len(values),
    }


def paired_ratio(mine: list[float], theirs: list[float]) -> dict[str, float]:
    """The median of round-by-round ratios: each pair ran back to back, on the same machine
    state, so this is steadier than a ratio of two medians."""
    return median_spread([a / b for a, b in zip(mine, theirs, strict=True)])


# Child processes run as an installed tool does: with Python's bytecode cache. (Some shells set
# PYTHONDONTWRITEBYTECODE, which makes every run recompile booklet's modules from source.)
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed_processes(
    cmds: dict[str, tuple[list[str], dict[str, str]]], repeats: int, cwd: Path
) -> dict[str, list[float]]:
    """Whole-process times, the commands taking turns round by round: a shared machine's slow
    spells then fall on the reference and on booklet alike, and the ratio stays honest. Each
    command is (argv, extra environment)."""
    for cmd, extra in cmds.values():  # warm-up: bytecode cache, the disk cache
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env={**CHILD_ENV, **extra})
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(repeats):
        for name, (cmd, extra) in cmds.items():
            env = {**CHILD_ENV, **extra}
            start = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env=env)
            times[name].append(time.perf_counter() - start)
    return times


def peak_rss_mb(cmd: list[str], cwd: Path) -> float:
    """Peak resident memory of a child process, from the kernel's own accounting."""
    code = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [PYTHON, "-c", code, *cmd],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env=CHILD_ENV,
    )
    return int(out.stdout.strip()) / 1024


def in_process(repeats: int, cards: int) -> dict[str, dict[str, float]]:
    """Cards, booklet and imposition rendered inside this process (imports excluded)."""
    from booklet.data.library import load_library
    from booklet.press.saddle import Imposition, impose_saddle
    from booklet.products.booklet import BookRequest, build_book
    from booklet.products.card import CardRequest, render_card

    library = load_library()
    routines = ["classic", "gentle", "short"]
    techniques = sorted(library.techniques)
    from booklet.products.fitting import FitHints

    # as a batch worker holds them: similar cards start fitting where the last one ended
    hints = FitHints()
    render_card(library, library.plan("classic"), CardRequest(), hints)  # warm: fonts, templates

    def card_variant(i: int):
        # vary routine, order, layout and size so no output is a repeat of the last (the
        # bedside card needs 5x7 or A5 for the whole safety set; the compact one fits 4x6)
        if i % 2:
            order = techniques[i % 4 :] + techniques[: i % 4]
            size = ["4x6", "5x7", "a6"][i % 3]
            return library.plan(None, order), CardRequest(layout="compact", size=size)
        return library.plan(routines[i % 3]), CardRequest(size=["5x7", "a5"][i % 4 // 2])

    reference: dict = {}
    exec(compile(REFERENCE_SCRIPT, "reference", "exec"), reference)
    reference["card"](0)
    # Reference and booklet take turns, round by round, for the same reason as processes do.
    per_card, per_reference_card = [], []
    for r in range(repeats):
        start = time.perf_counter()
        for i in range(cards):
            reference["card"](r * cards + i)
        per_reference_card.append((time.perf_counter() - start) / cards)
        start = time.perf_counter()
        for i in range(cards):
            plan, req = card_variant(r * cards + i)
            render_card(library, plan, req, hints)
        per_card.append((time.perf_counter() - start) / cards)

    book_times, impose_times = [], []
    for r in range(repeats):
        plan = library.plan(routines[r % 3])
        start = time.perf_counter()
        pdf, _ = build_book(library, plan, BookRequest(for_name=f"Reader {r}"))
        book_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        impose_saddle(pdf, Imposition("a4"))
        impose_times.append(time.perf_counter() - start)
    return {
        "card_in_process_ratio": paired_ratio(per_card, per_reference_card),
        "reference_card_s": median_spread(per_reference_card),
        "card_in_process_s": median_spread(per_card),
        "book_in_process_s": median_spread(book_times),
        "impose_in_process_s": median_spread(impose_times),
    }


def preview_times(repeats: int) -> dict[str, dict[str, float]]:
    """`booklet serve`'s work for one changed form: render in process and rasterize every page
    (booklet.web.app.render and the previews), for a card and for the booklet."""
    from booklet.data.library import load_library
    from booklet.press.preview import pdf_to_pngs
    from booklet.web.app import PREVIEW_DPI, render

    library = load_library()
    card_times, book_times, pages = [], [], 1
    for r in range(repeats * 2):
        form = {"routine": ["classic", "gentle"][r % 2], "title": f"A card for reader {r}"}
        start = time.perf_counter()
        pdf_to_pngs(render(library, form)[0], PREVIEW_DPI)
        card_times.append(time.perf_counter() - start)
    for r in range(repeats):
        form = {"routine": "classic", "product": "book", "for": f"Reader {r}"}
        start = time.perf_counter()
        pages = len(pdf_to_pngs(render(library, form)[0], PREVIEW_DPI))
        book_times.append((time.perf_counter() - start) / pages)
    return {
        "preview_card_side_s": median_spread([t / 2 for t in card_times]),
        "preview_book_page_s": median_spread(book_times),
    }


def jail_costs(repeats: int, cards: int = 10) -> dict[str, dict[str, float]]:
    """What the jail adds (booklet.base.jail): the same card, booklet and page preview made
    here and made in the jail, taking turns. A card or booklet from the command line is one
    forked child; a preview is one child of a warm, spawned page worker."""
    from booklet.base.jail import Pool
    from booklet.data.library import load_library
    from booklet.press.preview import pdf_to_pngs
    from booklet.products.booklet import BookRequest, render_book
    from booklet.products.card import CardRequest, render_card
    from booklet.products.jailed import Render, make
    from booklet.web.app import (
        PREVIEW_DPI,
        RENDER_LIMITS,
        init_page_worker,
        page_task,
        render,
    )

    library = load_library()
    render_card(library, library.plan("classic"), CardRequest())  # warm: fonts, snippets
    times: dict[str, list[float]] = {k: [] for k in ("card", "card_jail", "book", "book_jail")}
    for r in range(repeats):
        for jailed in (False, True):
            start = time.perf_counter()
            for i in range(cards):
                request = CardRequest(title=f"A card for reader {r}-{i}")
                if jailed:
                    make(Render("card", (), None, "classic", (), request), library)
                else:
                    render_card(library, library.plan("classic"), request)
            times["card_jail" if jailed else "card"].append((time.perf_counter() - start) / cards)
            request = BookRequest(for_name=f"Reader {r}")
            start = time.perf_counter()
            if jailed:
                make(Render("book", (), None, "classic", (), request), library)
            else:
                render_book(library, library.plan("classic"), request)
            times["book_jail" if jailed else "book"].append(time.perf_counter() - start)
    init_page_worker(())
    preview, preview_jail = [], []
    with Pool(1, limits=RENDER_LIMITS, isolate=True, start="spawn", initializer=init_page_worker,
              initargs=((),), backlog=4) as pool:  # fmt: skip
        pool.start_thread()
        for r in range(repeats * 2):
            form = {"routine": "classic", "title": f"A card for reader {r}", "lang": "en"}
            start = time.perf_counter()
            pdf_to_pngs(render(library, form)[0], PREVIEW_DPI)
            preview.append(time.perf_counter() - start)
            start = time.perf_counter()
            pool.submit(page_task, form, None, True, False, label="bench").result(30)
            preview_jail.append(time.perf_counter() - start)
    out = {f"jail_{k}_s": median_spread(v) for k, v in times.items()}
    out["jail_preview_jail_s"] = median_spread(preview_jail)
    out["jail_preview_s"] = median_spread(preview)
    pairs = {
        "card": zip(times["card_jail"], times["card"], strict=True),
        "book": zip(times["book_jail"], times["book"], strict=True),
        "preview": zip(preview_jail, preview, strict=True),
    }
    for what, pair in pairs.items():
        out[f"jail_cost_{what}_ms"] = median_spread([(j - p) * 1000 for j, p in pair])
    return out


SCRIPT_TECHNIQUES = {
    "greek": "greek-stroke",  # set by the text face alone: no shaping
    "hebrew": "hebrew-stroke",
    "arabic": "arabic-stroke",
    "devanagari": "hindi-stroke",
}


def script_times(repeats: int, cards: int = 20) -> dict[str, dict[str, float]]:
    """One technique on the compact card, in process, per script (tests/fixtures/scripts):
    what shaping and the right-to-left engine cost over text the text face sets alone."""
    from booklet.data.library import load_library
    from booklet.products.card import CardRequest, render_card

    library = load_library([REPO / "tests" / "fixtures" / "scripts"])
    request = CardRequest(layout="compact")
    times: dict[str, list[float]] = {name: [] for name in SCRIPT_TECHNIQUES}
    sizes: dict[str, float] = {}
    for name, ident in SCRIPT_TECHNIQUES.items():  # warm: faces, shaping fonts
        sizes[name] = len(render_card(library, library.plan(None, [ident]), request)) / 1024
    for _ in range(repeats):
        for name, ident in SCRIPT_TECHNIQUES.items():  # taking turns, round by round
            plan = library.plan(None, [ident])
            start = time.perf_counter()
            for _ in range(cards):
                render_card(library, plan, request)
            times[name].append((time.perf_counter() - start) / cards)
    out = {f"card_{name}_s": median_spread(t) for name, t in times.items()}
    out |= {f"card_{name}_kb": {"median": kb} for name, kb in sizes.items()}
    return out


def batch_file(folder: Path, count: int) -> Path:
    """A batch of `count` distinct cards: each client's own title, with routines, sizes and
    layouts crossed, so no two cards are the same."""
    per = max(1, count // 12)
    lines = ['output: "{name}-{routine}-{size}-{layout}.pdf"', "variants:"]
    for i in range(per):
        lines += [
            f"  - name: c{i:04d}",
            f'    title: "Back massage for client {i}"',
            "    routine: [classic, gentle, short]",
            "    size: [5x7, a5]",
            "    layout: bedside",
            f"  - name: c{i:04d}",
            f'    title: "Back massage for client {i}"',
            "    routine: [classic, gentle, short]",
            "    size: [4x6, 5x7]",
            "    layout: compact",
        ]
    text = "\n".join(lines) + "\n"
    path = folder / "bench-batch.yaml"
    path.write_text(text)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller batch")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results.json")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    batch_cards = 240 if args.quick else 1008
    work = Path(tempfile.mkdtemp(prefix="booklet-bench-"))
    (work / "reference.py").write_text(REFERENCE_SCRIPT)
    results: dict[str, dict] = {}
    try:
        processes = timed_processes(
            {
                "reference_process_s": ([PYTHON, "reference.py", "1", "ref.pdf"], {}),
                "help_process_s": ([*BOOKLET, "--help"], {}),
                "card_process_s": ([*BOOKLET, "card", "-o", "card.pdf"], {}),
            },
            repeats * 2,
            work,
        )
        results.update({name: median_spread(times) for name, times in processes.items()})
        results["card_process_ratio"] = paired_ratio(
            processes["card_process_s"], processes["reference_process_s"]
        )
        results.update(in_process(repeats, 20))
        results.update(preview_times(repeats))
        results.update(jail_costs(repeats))
        results.update(script_times(repeats))
        subprocess.run(
            [*BOOKLET, "book", "-o", "book.pdf"], cwd=work, check=True, capture_output=True
        )
        results["card_pdf_kb"] = {"median": (work / "card.pdf").stat().st_size / 1024}
        results["book_pdf_kb"] = {"median": (work / "book.pdf").stat().st_size / 1024}
        results["reference_pdf_kb"] = {"median": (work / "ref.pdf").stat().st_size / 1024}
        batch = batch_file(work, batch_cards)
        batch_times: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(1 if args.quick else 3):
            for jobs in (1, 2):  # taking turns, as the processes above do
                out = work / f"batch-{jobs}"
                shutil.rmtree(out, ignore_errors=True)
                start = time.perf_counter()
                subprocess.run(
                    [*BOOKLET, "batch", str(batch), "-o", str(out), "--jobs", str(jobs)],
                    cwd=work,
                    check=True,
                    capture_output=True,
                    env=CHILD_ENV,
                )
                batch_times[jobs].append(time.perf_counter() - start)
        for jobs, times in batch_times.items():
            results[f"batch_jobs{jobs}_s"] = median_spread(times)
        results["batch_speedup"] = paired_ratio(batch_times[1], batch_times[2])
        built = len(list((work / "batch-2").glob("*.pdf")))
        results["batch_cards"] = {"median": built}
        results["peak_rss_card_mb"] = {
            "median": peak_rss_mb([*BOOKLET, "card", "-o", "m.pdf"], work)
        }
        results["peak_rss_book_mb"] = {
            "median": peak_rss_mb([*BOOKLET, "book", "-o", "m.pdf"], work)
        }
        results["peak_rss_batch_worker_mb"] = {"median": _worker_rss(batch, work)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = report(results)
    args.json.write_text(json.dumps({"results": results, "checks": rows}, indent=2) + "\n")
    print(f"\nwrote {args.json.relative_to(REPO) if args.json.is_relative_to(REPO) else args.json}")
    return 0


def _worker_rss(batch: Path, work: Path) -> float:
    """Peak memory of one batch worker: a --jobs 1 run renders in a single process."""
    out = work / "rss"
    return peak_rss_mb(
        [*BOOKLET, "batch", str(batch), "-o", str(out), "--jobs", "1", "--only", "c000*"], work
    )


def report(r: dict[str, dict]) -> list[dict]:
    med = {k: v["median"] for k, v in r.items()}
    ref_card = med["reference_card_s"]
    ref_proc = med["reference_process_s"]
    cards = med["batch_cards"]
    checks = [
        (
            "booklet --help, whole process",
            med["help_process_s"],
            "s",
            "<= 0.12 s",
            med["help_process_s"] <= 0.12,
        ),
        (
            "booklet card, whole process",
            med["card_process_s"],
            "s",
            f"<= 2.0 x reference ({ref_proc:.3f} s): {med['card_process_ratio']:.2f} x",
            med["card_process_ratio"] <= 2.0,
        ),
        (
            "card render in process",
            med["card_in_process_s"] * 1000,
            "ms",
            f"<= 1.5 x reference ({ref_card * 1000:.1f} ms): {med['card_in_process_ratio']:.2f} x",
            med["card_in_process_ratio"] <= 1.5,
        ),
        (
            "default booklet in process",
            med["book_in_process_s"] * 1000,
            "ms",
            "<= 120 ms",
            med["book_in_process_s"] <= 0.120,
        ),
        (
            "its saddle imposition",
            med["impose_in_process_s"] * 1000,
            "ms",
            "<= 50 ms",
            med["impose_in_process_s"] <= 0.050,
        ),
        (
            f"batch of {cards:.0f} cards, --jobs 2",
            med["batch_jobs2_s"],
            "s",
            f"<= 10 s; {cards / med['batch_jobs2_s']:.0f} cards/s, "
            f"{med['batch_jobs2_s'] / cards * 1000:.1f} ms each",
            med["batch_jobs2_s"] <= 10.0 * cards / 1000,
        ),
        (
            "  speed-up over --jobs 1",
            med["batch_speedup"],
            "x",
            f">= 1.7 x (jobs 1: {med['batch_jobs1_s']:.1f} s)",
            med["batch_speedup"] >= 1.7,
        ),
        (
            "card PDF with embedded fonts",
            med["card_pdf_kb"],
            "KB",
            "<= 25 KB",
            med["card_pdf_kb"] <= 25,
        ),
        ("default booklet PDF", med["book_pdf_kb"], "KB", "<= 150 KB", med["book_pdf_kb"] <= 150),
        (
            "serve: preview of a card side",
            med["preview_card_side_s"] * 1000,
            "ms",
            "<= 150 ms (render and rasterize, both sides / 2)",
            med["preview_card_side_s"] <= 0.150,
        ),
        (
            "serve: preview of a booklet page",
            med["preview_book_page_s"] * 1000,
            "ms",
            "measured (the whole booklet / its pages)",
            True,
        ),
        *[
            (
                f"jail: added to a {what}",
                med[f"jail_cost_{what}_ms"],
                "ms",
                f"measured: {med[f'jail_{what}_jail_s'] * 1000:.1f} ms in the jail, "
                f"{med[f'jail_{what}_s'] * 1000:.1f} ms without",
                True,
            )
            for what in ("card", "book", "preview")
        ],
        *[
            (
                f"compact card in {name}" + (" (shaped)" if name != "greek" else ""),
                med[f"card_{name}_s"] * 1000,
                "ms",
                f"measured; {med[f'card_{name}_kb']:.0f} KB"
                + (
                    f", {med[f'card_{name}_s'] / med['card_greek_s']:.2f} x Greek"
                    if name != "greek"
                    else " (no shaping: the text face alone)"
                ),
                True,
            )
            for name in SCRIPT_TECHNIQUES
        ],
        (
            "peak memory: card process",
            med["peak_rss_card_mb"],
            "MB",
            "<= 80 MB",
            med["peak_rss_card_mb"] <= 80,
        ),
        (
            "peak memory: booklet process",
            med["peak_rss_book_mb"],
            "MB",
            "<= 80 MB",
            med["peak_rss_book_mb"] <= 80,
        ),
        (
            "peak memory: batch worker",
            med["peak_rss_batch_worker_mb"],
            "MB",
            "<= 80 MB",
            med["peak_rss_batch_worker_mb"] <= 80,
        ),
    ]
    print(f"{'figure':<34} {'median':>9}  {'spread':>17}  target / ratio")
    keys = [
        "help_process_s",
        "card_process_s",
        "card_in_process_s",
        "book_in_process_s",
        "impose_in_process_s",
        "batch_jobs2_s",
        "batch_speedup",
        "card_pdf_kb",
        "book_pdf_kb",
        "preview_card_side_s",
        "preview_book_page_s",
        *[f"jail_cost_{what}_ms" for what in ("card", "book", "preview")],
        *[f"card_{name}_s" for name in SCRIPT_TECHNIQUES],
        "peak_rss_card_mb",
        "peak_rss_book_mb",
        "peak_rss_batch_worker_mb",
    ]
    rows = []
    for (label, value, unit, target, ok), key in zip(checks, keys, strict=True):
        spread = ""
        if key and "min" in r[key]:
            scale = 1000 if unit == "ms" and not key.endswith("_ms") else 1
            spread = f"{r[key]['min'] * scale:.3g}..{r[key]['max'] * scale:.3g}"
        mark = "met" if ok else "MISSED"
        print(f"{label:<34} {value:>8.3g}{unit:<3} {spread:>16}  {mark:<6} {target}")
        rows.append({"figure": label, "value": value, "unit": unit, "target": target, "met": ok})
    print(
        f"\nreference: {ref_card * 1000:.1f} ms per card in process, {ref_proc:.3f} s as a "
        f"process, {med['reference_pdf_kb']:.0f} KB PDF.  Machine: {os.cpu_count()} cores."
    )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
