"""booklet's benchmark: every performance figure with its target, in one run.

    python benchmarks/run.py            # prints a table, writes benchmarks/results.json
    python benchmarks/run.py --quick    # fewer repeats and a 240-card batch, for a fast look
    python benchmarks/run.py --load     # the page under 30 people for 60 s (benchmarks/load.json)

Each figure is the median of several runs with its spread (min..max). Two anchors draw a
comparable card (two sides, four steps, four simple figures drawn as paths, varied text each
run): the floor, a minimal hand-written ReportLab canvas script (no layouts, no validation),
and typst (PyPI `typst`, the `bench` extra: `pip install -e '.[bench]'`), each as a whole
process and in process. They run in the same session, taking turns with booklet; each ratio is
the median of the round-by-round ratios, so it holds across machines and a shared machine's
slow spells fall on both sides alike. The anchors are on the strict side: their card has about
a sixth of the page operators of booklet's default card (5x7 now, with the whole safety set, the
key and hand marks: 794 against 4409) and two fifths of its text. Card content varies from
run to run; in process, booklet keeps what it has measured in memory, as a batch worker does
(typst keeps its own), and the feature rows start every card from fresh caches. Processes
run after one warm-up, with Python's bytecode cache as an installed tool has it (booklet keeps
no cache on disk).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
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
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BOOKLET = [PYTHON, "-m", "booklet"]
# The same command without the spare (booklet.cli.entry): its render's child forked only when
# the render is due, as before; the row beside the card's shows what the spare saves.
LATE_CHILD = [
    PYTHON,
    "-c",
    "import gc, sys; gc.disable(); sys.argv[0] = 'booklet'; "
    "from booklet.cli.main import cli; cli(prog_name='booklet')",
]

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


# The typst anchor: the same card (two 4x6 in sides, a title, four steps of three lines with
# their gauges, four back figures drawn as paths) set by typst (PyPI `typst`, the `bench`
# extra), in Vera, the canvas floor's face. The seed varies the text, so nothing is a repeat.
TYPST_CARD = textwrap.dedent(
    """
    #let seed = int(sys.inputs.at("seed", default: "0"))
    #set page(width: 4in, height: 6in, margin: 14pt)
    #set text(font: "Bitstream Vera Sans", size: 8pt)
    #let figure(dx, dy) = place(top + left, dx: dx, dy: dy, {
      place(curve(stroke: 0.6pt,
        curve.move((20pt, 120pt)),
        curve.cubic((10pt, 60pt), (0pt, 10pt), (30pt, 0pt)),
        curve.line((90pt, 0pt)),
        curve.cubic((120pt, 10pt), (110pt, 60pt), (100pt, 120pt))))
      place(dx: 56pt, rect(width: 8pt, height: 120pt, stroke: 0.6pt))
      for k in range(12) {
        place(line(start: (56pt, 120pt - k * 10pt), end: (64pt, 112pt - k * 10pt), stroke: 0.4pt))
      }
      for s in (-1, 1) {
        place(curve(stroke: 0.6pt, curve.move((60pt + s * 12pt, 100pt)),
          curve.cubic((60pt + s * 12pt, 40pt), (60pt + s * 30pt, 20pt), (60pt + s * 45pt, 25pt))))
      }
    })
    #for side in range(2) {
      if side > 0 { pagebreak() }
      text(weight: "bold", size: 14pt)[Back massage routine #seed]
      for step in range(4) {
        block(spacing: 4pt)[
          #text(weight: "bold", size: 10pt)[#(step + 1). Technique #(seed + step)] \\
          #for line in range(3) [Glide palms up beside the spine, line #line #seed \\ ]
          #for b in range(5) {
            box(rect(width: 5pt, height: 5pt, fill: if b < 3 { black } else { none },
              stroke: 0.5pt))
            h(2pt)
          }
        ]
      }
      for d in range(4) {
        figure(calc.rem(d, 2) * 130pt,
          if side > 0 { 258pt - calc.quo(d, 2) * 150pt } else { 278pt })
      }
    }
    """
)

TYPST_SCRIPT = textwrap.dedent(
    """
    \"\"\"The typst anchor as a whole process: one card, compiled and written.\"\"\"
    import os, sys
    import reportlab, typst

    fonts = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    here = os.path.dirname(os.path.abspath(__file__))
    seed = sys.argv[1] if len(sys.argv) > 1 else "0"
    out = sys.argv[2] if len(sys.argv) > 2 else os.devnull
    data = typst.compile(os.path.join(here, "anchor.typ"), font_paths=[fonts],
                         ignore_system_fonts=True, sys_inputs={"seed": seed})
    with open(out, "wb") as f:
        f.write(data)
    """
)


def typst_compiler(folder: Path):
    """typst's compiler for the anchor card, made once (as a process making many would)."""
    try:
        import typst
    except ImportError:
        raise SystemExit(
            "the typst anchor needs the `typst` package: pip install -e '.[bench]'"
        ) from None
    import reportlab

    fonts = str(Path(reportlab.__file__).parent / "fonts")
    source = folder / "anchor.typ"
    source.write_text(TYPST_CARD)
    compiler = typst.Compiler(str(source), font_paths=[fonts], ignore_system_fonts=True)
    return lambda seed: compiler.compile(sys_inputs={"seed": str(seed)})


# Start-up, step by step, in a fresh interpreter as `booklet card` meets them: each import row
# counts what that package adds over the rows before it (a dependency they share counts once,
# where it is first met). The library, snippets and faces rows are booklet's own work. Here
# they run one after another; `booklet card` runs them in two processes at once (the command
# line's imports and library beside the spare's ReportLab, Jinja2, library, snippets and card).
STARTUP_PROBE = textwrap.dedent(
    """
    import json, sys, time
    marks = {}
    last = time.perf_counter()
    def lap(name):
        global last
        now = time.perf_counter()
        marks[name] = (now - last) * 1000
        last = now
    import click; lap("import click")
    import booklet.cli.main; lap("import booklet's command line")
    import yaml; lap("import PyYAML")
    from booklet.data.library import load_library
    library = load_library([]); lap("parse the library (English)")
    from booklet.base.internals import reportlab_without_harfbuzz
    reportlab_without_harfbuzz(); lap("import ReportLab (Pillow and HarfBuzz deferred)")
    import jinja2.sandbox; lap("import Jinja2")
    import pyphen, bidi; lap("import Pyphen, python-bidi")
    from booklet.products.card import CardRequest, render_card; lap("import booklet's card")
    from booklet.layout.spec import load_layout
    layout = load_layout("bedside", library); lap("compile the layout's snippets")
    from booklet.text.fonts import register
    register(layout.font); lap("open the faces")
    render_card(library, library.plan("classic"), CardRequest()); lap("the first card")
    render_card(library, library.plan("gentle"), CardRequest()); lap("the next card")
    import uharfbuzz; lap("import HarfBuzz (a script's card only)")
    print(json.dumps(marks))
    """
)


def startup_steps(repeats: int, folder: Path) -> dict[str, dict[str, float]]:
    """Each start-up step's milliseconds, the median over fresh interpreters."""
    script = folder / "startup_probe.py"
    script.write_text(STARTUP_PROBE)
    subprocess.run([PYTHON, str(script)], cwd=folder, check=True, capture_output=True,
                   env=CHILD_ENV)  # fmt: skip
    runs: dict[str, list[float]] = {}
    for _ in range(repeats):
        done = subprocess.run([PYTHON, str(script)], cwd=folder, check=True,
                              capture_output=True, text=True, env=CHILD_ENV)  # fmt: skip
        for name, ms in json.loads(done.stdout.strip().splitlines()[-1]).items():
            runs.setdefault(name, []).append(ms)
    return {f"startup: {name}": median_spread(ms) for name, ms in runs.items()}


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


def in_process(repeats: int, cards: int, folder: Path) -> dict[str, dict[str, float]]:
    """Cards, booklet and imposition rendered inside this process (imports excluded), the
    card taking turns with both anchors: the canvas floor and typst."""
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
    typst_card = typst_compiler(folder)
    typst_card(0)
    # The anchors and booklet take turns, round by round, for the same reason as processes do.
    per_card, per_reference_card, per_typst_card = [], [], []
    for r in range(repeats):
        start = time.perf_counter()
        for i in range(cards):
            reference["card"](r * cards + i)
        per_reference_card.append((time.perf_counter() - start) / cards)
        start = time.perf_counter()
        for i in range(cards):
            typst_card(r * cards + i + 1)
        per_typst_card.append((time.perf_counter() - start) / cards)
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
        "card_in_process_typst_ratio": paired_ratio(per_card, per_typst_card),
        "reference_card_s": median_spread(per_reference_card),
        "typst_card_s": median_spread(per_typst_card),
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


def _fresh_caches() -> None:
    """Forget what this process measured and drew (lines, words, hyphenation points, diagram
    art), so a feature's cost is measured as a single card's process pays it."""
    from booklet.draw import diagrams
    from booklet.text import breaking

    for cached in (breaking._broken, breaking._words_of, breaking.break_points,
                   diagrams.diagram_art):  # fmt: skip
        cached.cache_clear()


def feature_costs(repeats: int, cards: int = 10) -> dict[str, dict[str, float]]:
    """What each addition of this round costs a card, in process: the time spent inside the
    feature's own code while the default card is made from fresh caches (as a one-card process
    meets it), per card. (Making the card with and without it differs by less than a shared
    machine's noise.) Hyphenation's dictionary, loaded once per process, has a row of its own."""
    from unittest import mock

    from booklet.data.library import load_library
    from booklet.products.card import CardRequest, render_card

    library = load_library()
    render_card(library, library.plan("classic"), CardRequest())  # warm: imports, faces
    features = {
        "hyphenation": "booklet.text.breaking._dictionary_points",
        "hand marks": "booklet.draw.diagrams._hands",
        "content-derived /ID": "booklet.press.pdf.with_content_id",
    }
    features["tags (the structure tree)"] = "booklet.press.structure.tag_pdf"
    spent = dict.fromkeys(features, 0.0)

    def timed(name: str, real: Any) -> Any:
        def inside(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        return inside

    runs: dict[str, list[float]] = {name: [] for name in features}
    for r in range(repeats):
        spent.update(dict.fromkeys(features, 0.0))
        with contextlib.ExitStack() as stack:
            for name, target in features.items():
                module, attribute = target.rsplit(".", 1)
                real = getattr(importlib.import_module(module), attribute)
                stack.enter_context(mock.patch(target, timed(name, real)))
            for i in range(cards):
                _fresh_caches()
                request = CardRequest(title=f"A card for reader {r}-{i}")
                render_card(library, library.plan("classic"), request)
        for name in features:
            runs[name].append(spent[name] / cards * 1000)
    _fresh_caches()
    out = {f"feature_{name}_ms": median_spread(ms) for name, ms in runs.items()}
    probe = (  # booklet's own loading (booklet.base.internals.quick_hyphenator)
        "import sys, time, pyphen; from booklet.text.breaking import _dictionary; "
        "start = time.perf_counter(); _dictionary(sys.argv[1]); "
        "print((time.perf_counter() - start) * 1000)"
    )
    for lang, dictionary in (("en", "en"), ("de", "de")):
        loads = [
            float(subprocess.run([PYTHON, "-c", probe, dictionary], check=True,
                                 capture_output=True, text=True).stdout)
            for _ in range(repeats)
        ]  # fmt: skip
        out[f"feature_hyphenation's {lang} dictionary, once a process_ms"] = median_spread(loads)
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


SPIN = "s = 0\nfor i in range(6_000_000):\n    s += i * i\n"


def two_process_speedup() -> float:
    """The machine's own ceiling for two workers: a pure-Python loop run twice in one process
    against once in each of two at the same time (1.7 to 1.9 on this 2-core machine, as its
    neighbours allow), so the batch's speed-up can be read against what the cores give."""
    command = [PYTHON, "-c", SPIN]
    subprocess.run(command, check=True, env=CHILD_ENV)  # warm
    start = time.perf_counter()
    for _ in range(2):
        subprocess.run(command, check=True, env=CHILD_ENV)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    running = [subprocess.Popen(command, env=CHILD_ENV) for _ in range(2)]
    for process in running:
        process.wait()
    return serial / (time.perf_counter() - start)


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


# --- the page under load -----------------------------------------------------------------------

LOAD_USERS = 30
LOAD_SECONDS = 60.0
LOAD_ABORT = 150.0  # whatever happens, the load test ends by then


def tree_rss_mb(pid: int) -> float:
    """The resident memory of a process and all its descendants (the page's workers and
    their renders' children), in MB: as the page's walls test weighs it."""
    sys.path.insert(0, str(REPO))
    from tests.procmem import tree_rss_mb as weigh

    return weigh(pid)


def simulated_person(number: int, url: str, until: float, log: list, rng_seed: int) -> None:
    """One person at the page, from an address of their own on the loopback range
    (127.0.1.N), for the rate limit to tell apart: a field changed every 2 to 5 s (a
    preview), now and then a page opened large, and a download about once a minute; after a
    change of routine, language or layout, the sizes that fit are asked first, as the page
    does, and one of them chosen."""
    import random

    import httpx

    rng = random.Random(rng_seed)
    transport = httpx.HTTPTransport(local_address=f"127.0.1.{number + 1}")
    form = {"routine": "classic", "product": "card", "lang": "en"}
    download_at = time.monotonic() + rng.uniform(5, LOAD_SECONDS - 5)
    with httpx.Client(transport=transport, timeout=30) as client:
        time.sleep(rng.uniform(0, 2))
        step = 0
        while time.monotonic() < until:
            step += 1
            change = rng.random()
            if change < 0.5:
                form["for"] = f"Reader {number}-{step}"
            elif change < 0.75:
                form["message"] = f"For Sunday evenings, week {step} ❤"
            elif change < 0.88:
                form["routine"] = rng.choice(["classic", "gentle", "short"])
            elif change < 0.95:
                form["lang"] = rng.choice(["en", "es", "fr", "de", "pt"])
            else:
                form["layout"] = rng.choice(["", "compact"])
            if change >= 0.75:  # as the page does: the sizes that fit, then one of them
                started = time.monotonic()
                try:
                    answer = client.post(url + "/sizes", data=form)
                    status, fits = answer.status_code, answer.json()
                except (httpx.HTTPError, ValueError):
                    status, fits = 0, {}
                log.append(("sizes", status, time.monotonic() - started))
                if status == 200:
                    own = fits.get("own", True) or not fits.get("sizes")
                    form["size"] = "" if own else fits["sizes"][0]
            kind = "preview"
            if time.monotonic() >= download_at:
                kind, download_at = "download", float("inf")
            elif rng.random() < 0.15:
                kind = "zoom"
            path = {"preview": "/preview", "zoom": "/zoom", "download": "/pdf"}[kind]
            data = {**form, "zoom": "1"} if kind == "zoom" else form
            started = time.monotonic()
            try:
                status = client.post(url + path, data=data).status_code
            except httpx.HTTPError:
                status = 0
            log.append((kind, status, time.monotonic() - started))
            if status == 400:  # said at its field: undone, as a person would
                form.update(layout="", message="", size="")
            time.sleep(min(rng.uniform(2, 5), max(0.0, until - time.monotonic())))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def load_test(users: int = LOAD_USERS, seconds: float = LOAD_SECONDS) -> dict[str, Any]:
    """`booklet serve` on a free loopback port, `users` simulated people for `seconds`:
    latency by kind (p50, p95, max), errors (429s apart), and the peak memory of the
    server with its workers."""
    import socket
    import threading

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*BOOKLET, "serve", "--no-browser", "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV,
    )  # fmt: skip
    log: list[tuple[str, int, float]] = []
    peaks: list[float] = []
    load_before = os.getloadavg()[0]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        until = time.monotonic() + seconds
        people = [
            threading.Thread(target=simulated_person, args=(n, url, until, log, n), daemon=True)
            for n in range(users)
        ]
        for person in people:
            person.start()
        abort = time.monotonic() + LOAD_ABORT
        while any(p.is_alive() for p in people) and time.monotonic() < abort:
            peaks.append(tree_rss_mb(server.pid))
            time.sleep(0.5)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    out: dict[str, Any] = {"users": users, "seconds": seconds, "cores": os.cpu_count()}
    out["machine_load_before"] = round(load_before, 2)  # others' work on a shared machine
    for kind in ("preview", "zoom", "download", "sizes"):
        times = [t for k, status, t in log if k == kind and status == 200]
        out[kind] = {
            "count": len([1 for k, _, _ in log if k == kind]),
            "p50_s": percentile(times, 0.5),
            "p95_s": percentile(times, 0.95),
            "max_s": max(times, default=0.0),
        }
    out["errors"] = len([1 for _, status, _ in log if status not in (200, 400, 429)])
    out["refused"] = len([1 for _, status, _ in log if status == 400])
    out["statuses"] = {str(c): sum(1 for _, s, _ in log if s == c) for c in {s for _, s, _ in log}}
    out["too_many"] = len([1 for _, status, _ in log if status == 429])
    out["peak_memory_mb"] = max(peaks, default=0.0)
    return out


def load_report(r: dict[str, Any]) -> None:
    print(f"the page: {r['users']} people for {r['seconds']:.0f} s on {r['cores']} cores "
          f"(the machine's load before: {r['machine_load_before']})")  # fmt: skip
    for kind in ("preview", "zoom", "download", "sizes"):
        k = r[kind]
        print(f"  {kind:<9} {k['count']:>4} requests  p50 {k['p50_s'] * 1000:6.0f} ms  "
              f"p95 {k['p95_s'] * 1000:6.0f} ms  max {k['max_s'] * 1000:6.0f} ms")  # fmt: skip
    p95 = r["preview"]["p95_s"]
    print(f"  errors {r['errors']} (429s apart: {r['too_many']} told to wait; "
          f"{r['refused']} said at a field, then undone); {r['statuses']}")  # fmt: skip
    print(f"  peak memory, server and workers: {r['peak_memory_mb']:.0f} MB")
    checks = {
        "preview p95 <= 1 s": p95 <= 1.0,
        "no errors": r["errors"] == 0,
        "memory < 1 GB": r["peak_memory_mb"] < 1024,
    }
    for name, ok in checks.items():
        print(f"  {'met' if ok else 'MISSED'}: {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller batch")
    parser.add_argument("--load", action="store_true", help="only the page's load test")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results.json")
    args = parser.parse_args()
    if args.load:
        figures = load_test()
        load_report(figures)
        (REPO / "benchmarks" / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
        return 0
    repeats = 3 if args.quick else 7
    batch_cards = 240 if args.quick else 1008
    work = Path(tempfile.mkdtemp(prefix="booklet-bench-"))
    (work / "reference.py").write_text(REFERENCE_SCRIPT)
    (work / "typst_anchor.py").write_text(TYPST_SCRIPT)
    (work / "anchor.typ").write_text(TYPST_CARD)
    results: dict[str, dict] = {}
    try:
        processes = timed_processes(
            {
                "python_process_s": ([PYTHON, "-c", "pass"], {}),
                "reference_process_s": ([PYTHON, "reference.py", "1", "ref.pdf"], {}),
                "typst_process_s": ([PYTHON, "typst_anchor.py", "1", "typst.pdf"], {}),
                "help_process_s": ([*BOOKLET, "--help"], {}),
                "card_process_s": ([*BOOKLET, "card", "-o", "card.pdf"], {}),
                "card_late_process_s": ([*LATE_CHILD, "card", "-o", "late.pdf"], {}),
            },
            repeats * 2,
            work,
        )
        results.update({name: median_spread(times) for name, times in processes.items()})
        for name, anchor in (("", "reference"), ("_typst", "typst")):
            results[f"card_process{name}_ratio"] = paired_ratio(
                processes["card_process_s"], processes[f"{anchor}_process_s"]
            )
        results["help_process_ratio"] = paired_ratio(
            processes["help_process_s"], processes["reference_process_s"]
        )
        results.update(startup_steps(repeats * 2, work))
        results.update(in_process(repeats, 20, work))
        results.update(preview_times(repeats))
        results.update(jail_costs(repeats))
        results.update(feature_costs(repeats))
        results.update(script_times(repeats))
        subprocess.run(
            [*BOOKLET, "book", "-o", "book.pdf"], cwd=work, check=True, capture_output=True
        )
        results["card_pdf_kb"] = {"median": (work / "card.pdf").stat().st_size / 1024}
        results["book_pdf_kb"] = {"median": (work / "book.pdf").stat().st_size / 1024}
        results["reference_pdf_kb"] = {"median": (work / "ref.pdf").stat().st_size / 1024}
        results["typst_pdf_kb"] = {"median": (work / "typst.pdf").stat().st_size / 1024}
        batch = batch_file(work, batch_cards)
        batch_times: dict[int, list[float]] = {1: [], 2: []}
        machine: list[float] = []
        for _ in range(1 if args.quick else 3):
            machine.append(two_process_speedup())  # what the machine allows, measured beside
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
        results["machine_two_process_speedup"] = median_spread(machine)
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
    """The table: each figure with its target (the issue's must-shows) and its ratios to the
    anchors measured beside it; rows with no target are measured, for the record."""
    med = {k: v["median"] for k, v in r.items()}
    ref_card, typ_card = med["reference_card_s"], med["typst_card_s"]
    ref_proc, typ_proc = med["reference_process_s"], med["typst_process_s"]
    cards = med["batch_cards"]
    batch_rate = cards / med["batch_jobs2_s"]
    floor_rate = 1 / ref_card  # cards a second the canvas floor draws in one process
    spare_saves = med["card_late_process_s"] - med["card_process_s"]
    # (label, key, value, unit, target, met)
    checks: list[tuple[str, str, float, str, str, bool]] = [
        ("python -c pass (the interpreter)", "python_process_s", med["python_process_s"], "s",
         "measured", True),
        ("canvas floor, whole process", "reference_process_s", ref_proc, "s", "anchor", True),
        ("typst anchor, whole process", "typst_process_s", typ_proc, "s", "anchor", True),
        ("booklet --help, whole process", "help_process_s", med["help_process_s"], "s",
         f"<= 1.0 x canvas: {med['help_process_ratio']:.2f} x",
         med["help_process_ratio"] <= 1.0),
        ("booklet card, whole process", "card_process_s", med["card_process_s"], "s",
         f"<= 1.5 x canvas: {med['card_process_ratio']:.2f} x; "
         f"{med['card_process_typst_ratio']:.2f} x typst",
         med["card_process_ratio"] <= 1.5),
        ("  its child forked at the end instead", "card_late_process_s",
         med["card_late_process_s"], "s",
         f"measured: the spare saves {spare_saves * 1000:.0f} ms", True),
        *[(f"  {name[len('startup: '):]}", name, med[name], "ms", "measured", True)
          for name in r if name.startswith("startup: ")],
        ("canvas floor, card in process", "reference_card_s", ref_card * 1000, "ms", "anchor",
         True),
        ("typst anchor, card in process", "typst_card_s", typ_card * 1000, "ms", "anchor", True),
        ("card render in process", "card_in_process_s", med["card_in_process_s"] * 1000, "ms",
         f"<= 1.0 x typst: {med['card_in_process_typst_ratio']:.2f} x; "
         f"{med['card_in_process_ratio']:.2f} x canvas",
         med["card_in_process_typst_ratio"] <= 1.0),
        ("default booklet in process", "book_in_process_s", med["book_in_process_s"] * 1000,
         "ms", f"<= 80 ms; {med['book_in_process_s'] / typ_card:.1f} typst cards",
         med["book_in_process_s"] <= 0.080),
        ("its saddle imposition", "impose_in_process_s", med["impose_in_process_s"] * 1000, "ms",
         "<= 50 ms", med["impose_in_process_s"] <= 0.050),
        (f"batch of {cards:.0f} cards, --jobs 2", "batch_jobs2_s", med["batch_jobs2_s"], "s",
         f">= 1.6 x the canvas floor's rate: {batch_rate:.0f} cards/s, "
         f"{batch_rate / floor_rate:.2f} x ({floor_rate:.0f}/s)",
         batch_rate >= 1.6 * floor_rate),
        ("  speed-up over --jobs 1", "batch_speedup", med["batch_speedup"], "x",
         f">= 1.8 x (jobs 1: {med['batch_jobs1_s']:.1f} s; the machine's own two-process "
         f"ceiling beside it: {med['machine_two_process_speedup']:.2f} x)",
         med["batch_speedup"] >= 1.8),
        ("card PDF with embedded fonts", "card_pdf_kb", med["card_pdf_kb"], "KB",
         "<= 32 KB (the default card, tags and all)", med["card_pdf_kb"] <= 32),
        ("default booklet PDF", "book_pdf_kb", med["book_pdf_kb"], "KB", "<= 150 KB",
         med["book_pdf_kb"] <= 150),
        ("serve: preview of a card side", "preview_card_side_s",
         med["preview_card_side_s"] * 1000, "ms",
         "<= 150 ms (render and rasterize, both sides / 2)",
         med["preview_card_side_s"] <= 0.150),
        ("serve: preview of a booklet page", "preview_book_page_s",
         med["preview_book_page_s"] * 1000, "ms", "measured (the whole booklet / its pages)",
         True),
        *[
            (f"jail: added to a {what}", f"jail_cost_{what}_ms", med[f"jail_cost_{what}_ms"],
             "ms", f"measured: {med[f'jail_{what}_jail_s'] * 1000:.1f} ms in the jail, "
             f"{med[f'jail_{what}_s'] * 1000:.1f} ms without; "
             f"{med[f'jail_cost_{what}_ms'] / (typ_card * 1000):.2f} typst cards", True)
            for what in ("card", "book", "preview")
        ],
        *[
            (f"{name[len('feature_') : -len('_ms')]}", name, med[name], "ms",
             f"measured; {med[name] / (typ_card * 1000):.3f} typst cards", True)
            for name in r if name.startswith("feature_")
        ],
        *[
            (f"compact card in {name}" + (" (shaped)" if name != "greek" else ""),
             f"card_{name}_s", med[f"card_{name}_s"] * 1000, "ms",
             f"measured; {med[f'card_{name}_kb']:.0f} KB"
             + (f", {med[f'card_{name}_s'] / med['card_greek_s']:.2f} x Greek"
                if name != "greek" else " (no shaping: the text face alone)"), True)
            for name in SCRIPT_TECHNIQUES
        ],
        ("peak memory: card process", "peak_rss_card_mb", med["peak_rss_card_mb"], "MB",
         "<= 40 MB", med["peak_rss_card_mb"] <= 40),
        ("peak memory: booklet process", "peak_rss_book_mb", med["peak_rss_book_mb"], "MB",
         "<= 49 MB", med["peak_rss_book_mb"] <= 49),
        ("peak memory: batch worker", "peak_rss_batch_worker_mb",
         med["peak_rss_batch_worker_mb"], "MB", "<= 43 MB",
         med["peak_rss_batch_worker_mb"] <= 43),
    ]  # fmt: skip
    print(f"{'figure':<38} {'median':>9}  {'spread':>17}  target / ratio")
    rows = []
    for label, key, value, unit, target, ok in checks:
        spread = ""
        if "min" in r[key]:
            scale = 1000 if unit == "ms" and key.endswith("_s") else 1
            spread = f"{r[key]['min'] * scale:.3g}..{r[key]['max'] * scale:.3g}"
        mark = "" if target in ("measured", "anchor") else ("met" if ok else "MISSED")
        print(f"{label:<38} {value:>8.3g}{unit:<3} {spread:>16}  {mark:<6} {target}")
        rows.append({"figure": label, "value": value, "unit": unit, "target": target, "met": ok})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\ncanvas floor: {ref_card * 1000:.1f} ms per card in process, {ref_proc:.3f} s as a "
        f"process, {med['reference_pdf_kb']:.0f} KB PDF; typst: {typ_card * 1000:.1f} ms, "
        f"{typ_proc:.3f} s, {med['typst_pdf_kb']:.0f} KB.  Machine: {os.cpu_count()} cores, "
        f"load {load:.1f} at the end."
    )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
