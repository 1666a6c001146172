"""The `booklet` command: parse options, call one library function, turn our errors into messages.

Heavy modules (ReportLab, Jinja2, YAML) are imported inside the commands that need them, so
`booklet --help` and the listing commands start fast. The commands live by concept in
listing, making, batching and starting; importing them registers them on the group. The
program itself starts in booklet.cli.entry, which may fork a render's child first.
"""

from __future__ import annotations

from booklet.cli import batching, listing, making, serving, starting
from booklet.cli.app import cli

COMMAND_MODULES = (listing, making, batching, starting, serving)
__all__ = ["cli"]
