"""Write the expected pages of every named sample in tests/samples (run after a change that is
meant to alter them, then review the diff): `python tools/samples.py`.

A sample is a folder holding `args.txt` (the `booklet` arguments, one line, without -o) and,
made here, `expected.json`: each page's size, trim box and lines of text."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "samples"


def describe(pdf: Path) -> list[dict]:
    import pypdf

    pages = []
    for page in pypdf.PdfReader(pdf).pages:
        text = page.extract_text() or ""
        pages.append(
            {
                "size": " x ".join(f"{float(v):.1f}" for v in page.mediabox[2:]),
                "trim": " ".join(f"{float(v):.1f}" for v in page.trimbox),
                "lines": [" ".join(line.split()) for line in text.splitlines() if line.strip()],
            }
        )
    return pages


def render(sample: Path, out: Path) -> Path:
    from click.testing import CliRunner

    from booklet.cli.main import cli

    args = shlex.split((sample / "args.txt").read_text(encoding="utf-8"))
    target = out / f"{sample.name}.pdf"
    result = CliRunner().invoke(cli, [*args, "-o", str(target)], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"{sample.name}: {result.output}")
    return target


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for sample in sorted(p for p in SAMPLES.iterdir() if (p / "args.txt").is_file()):
            pages = describe(render(sample, Path(tmp)))
            text = json.dumps(pages, indent=1, ensure_ascii=False) + "\n"
            (sample / "expected.json").write_text(text, encoding="utf-8")
            print(f"{sample.name}: {len(pages)} page(s)", file=sys.stderr)


if __name__ == "__main__":
    main()
