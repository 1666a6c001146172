"""Regenerate the README's command reference from the commands' own --help.

    python tools/cli_reference.py          # rewrites the block between the markers in README.md

tests/test_docs.py fails when the README and --help disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from click.testing import CliRunner

README = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- cli-reference:start (made by tools/cli_reference.py; do not edit) -->"
END = "<!-- cli-reference:end -->"


def reference() -> str:
    from booklet.cli.main import cli

    runner = CliRunner()
    parts = [START, ""]
    for args in [[], *([name] for name in sorted(cli.commands))]:
        result = runner.invoke(cli, [*args, "--help"], prog_name="booklet", terminal_width=100)
        title = " ".join(["booklet", *args])
        parts += [f"### `{title}`", "", "```text", result.output.rstrip(), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def updated(readme: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise SystemExit("README.md has no cli-reference markers")
    return pattern.sub(lambda _: reference(), readme)


if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in sys.argv:
        raise SystemExit(0 if new == text else 1)
    README.write_text(new, encoding="utf-8")
    print("README.md command reference updated")
