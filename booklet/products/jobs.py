"""One job model behind every door: the command line, a batch, the page and the Python API all
describe what to make as a `Job`, and `make` turns it into a PDF, in the jail.

    >>> from booklet.products.jobs import Job, make
    >>> made = make(Job("card", routine="gentle", options={"size": "4x6"}))
    >>> made.name
    'gentle-bedside-4x6.pdf'

A job is plain data: what to make (a card or a booklet), from which routine or techniques, in
which language, with which options (by their catalogue keys: booklet.products.options), from
which libraries. Everything a door reads goes through the same catalogue and the same jail, so
the same job gives the same bytes whichever door it came through.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from booklet.base.errors import BookletError
from booklet.data.library import Library
from booklet.products import jailed
from booklet.products.options import (
    PRODUCTS,
    file_parts,
    request_for,
    slug,
)
from booklet.products.requests import OptionError

_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})


class Job(NamedTuple):
    """What to make. `options` are keyed as the catalogue keys them (`size`, `crop_marks`,
    `for`); `libraries` are user library folders, later ones winning by id."""

    product: str = "card"  # card or book
    routine: str | None = None  # default: classic (unless techniques are picked)
    techniques: tuple[str, ...] = ()
    lang: str | None = None  # default: English
    options: Mapping[str, Any] = _NO_OPTIONS
    libraries: tuple[str, ...] = ()

    def request(self) -> Any:
        """The typed request for the renderer; an OptionError names the bad option."""
        return request_for(self.product, self.options)


class Made(NamedTuple):
    """A made PDF and what goes with it."""

    pdf: bytes
    name: str  # a default file name that says what it holds
    notes: tuple[str, ...]  # what the user should know (an imposition's sheet, its creep)
    previews: tuple[bytes, ...]  # PNG pages, when asked for

    @property
    def pages(self) -> int:
        from booklet.press.pdf import page_count

        return page_count(self.pdf)

    def save(self, where: str | Path = ".") -> Path:
        """Write the PDF atomically: into a folder under its own name, or to a file path."""
        from booklet.base.files import write_atomic

        target = Path(where)
        if target.is_dir():
            target = target / self.name
        write_atomic(target, self.pdf)
        return target


def library_for(job: Job) -> Library:
    """The job's libraries in its language, loaded once per process."""
    try:
        return jailed.library_of(tuple(str(r) for r in job.libraries), job.lang)
    except BookletError as exc:
        if exc.problem.field == "lang":
            raise OptionError("lang", exc.problem.message) from None
        raise


def render_of(job: Job, request: Any, previews: float = 0.0) -> jailed.Render:
    return jailed.Render(
        job.product,
        tuple(str(r) for r in job.libraries),
        job.lang,
        job.routine,
        tuple(job.techniques),
        request,
        previews=previews,
    )


def get_ready(job: Job, library: Library | None = None, *, previews: float = 0.0) -> None:
    """Make the render's child, if one was started early (booklet.cli.entry), ready for the
    job: handed `library` (this process's, as loaded to check the job) with the job's layout
    read ahead, or, without it, reading its own."""
    jailed.get_ready(render_of(job, job.request(), previews), library)


def make(job: Job, library: Library | None = None, *, previews: float = 0.0) -> Made:
    """Make the job's PDF in the jail (and PNG previews at `previews` dpi, if asked for).
    `library` is the job's library as this process has loaded it, if it has: it is used as it
    is. Raises BookletError (exit code 2 on the command line) for anything wrong with the job."""
    if job.product not in PRODUCTS:
        raise OptionError("kind", f"'{job.product}' is not a product. Use card or book.")
    request = job.request()
    library = library if library is not None else library_for(job)
    plan = library.plan(job.routine, job.techniques)  # an unknown id is said before the jail
    rendered = jailed.make(render_of(job, request, previews), library)
    return Made(
        rendered.data,
        file_name(job, plan.id, rendered.facts),
        rendered.notes,
        rendered.previews,
    )


def file_name(job: Job, what: str, facts: Mapping[str, Any], *, always_lang: bool = False) -> str:
    """`classic-bedside-5x7.pdf`, `fan-stroke+raking-compact-3x5-es-for-Sam.pdf`: what it holds,
    the layout and size it was made with, then whatever options make it differ (English is
    said only with `always_lang`, as the page's downloads do)."""
    what = "+".join(job.techniques) if job.techniques else what
    parts = [what, str(facts.get("layout", "")), str(facts.get("size", ""))]
    lang = job.lang or "en"
    if always_lang or lang != "en":
        parts.append(lang)
    parts += file_parts(job.product, {k: v for k, v in job.options.items() if k != "logo"})
    name = "-".join(slug(p, 60) for p in parts if p)
    return name[:150] + ".pdf"
