"""What the page's form means: its fields, the job it asks for, its renders in the jail and
its messages, in the reader's language. (booklet.web.app serves it.)

Starlette (ASGI, BSD licence) with uvicorn: small, well kept, and async. Every render (the
previews, the zooms, the downloads, the sizes that fit, the techniques' pictures) runs in the
jail (booklet.base.jail): a pool of spawned workers started with the server, each render in a
child of its own with the jail's limits, so one slow or greedy render costs its requester
alone. At most a few renders wait; beyond that the page says it is busy. The server itself
only reads bounded forms, with timeouts for headers and bodies, and a rate limit per client.

Every word the page shows comes from the library's page catalogue (techniques/_page.yaml and
each language's own), and the form becomes the one job model every door uses
(booklet.products.jobs). A value that cannot be used is said at its field; the form comes back
with every value it had. Every value printed back into the page is escaped by Jinja2.

Safe by default: only requests whose Host is one of the names given (this machine's loopback
names unless told more) are answered, and a form sent from another site (its Origin, or
Sec-Fetch-Site) is refused, so a web page elsewhere cannot drive the tool (DNS rebinding,
cross-site requests).
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
from typing import Any, NamedTuple

from booklet.base.errors import BookletError, FitError
from booklet.base.jail import MIB, Limits
from booklet.data.language import Words
from booklet.press.papers import SHEETS
from booklet.products.jobs import Job
from booklet.products.requests import OptionError, UnprintableError

PREVIEW_DPI = 80  # a 5x7 in card side: 400 x 560 pixels
ZOOM_DPI = 170  # one page, large
TIME_LIMIT = 20.0  # seconds a request may wait for its render, queue included
RENDER_LIMITS = Limits(memory=192 * MIB, cpu=8.0, wall=10.0)  # one render in the jail
LOGO_ALLOWANCE = 256 * MIB
PRODUCTS = ("card", "sheet", "book", "folded")
BOOKS = ("book", "folded")
ON_SHEETS = ("sheet", "folded")
SIZES = ("3x5", "4x6", "5x7", "a7", "a6", "a5", "half-letter")
MAX_PICKED = 12
MAX_ZOOM_PAGE = 64
SECTIONS = ("whom", "client")  # the catalogue's options the page shows as fields of their own
ENGLISH = {  # the page's own messages, when no catalogue is at hand (a worker's answer)
    "position": "its position must be a number from 1 to 12.",
}


class PageProblem(BookletError):
    """A problem with the form, said in the page's words: `key` in its catalogue's errors."""

    def __init__(self, key: str, field: str | None = None, **values: str) -> None:
        self.key, self.values = key, values
        super().__init__(key, field=field)


# --- the form ----------------------------------------------------------------------------------


def page_fields(words: Words, printed: Words) -> list[dict[str, Any]]:
    """The page's fields for the options it shows, from the options catalogue, in the page's
    words: name, label (what tests and screen readers find), limit, input type, hint,
    choices (value, text) in the words the product prints, section and the kinds of product
    that use it (a field the chosen product cannot use is hidden with its value kept)."""
    from booklet.products.options import CATALOGUE

    types = {"date": "date", "link": "url", "number": "number", "choice": "select", "file": "file"}
    fields = []
    for option in CATALOGUE:
        if option.page not in SECTIONS:
            continue
        fields.append(
            {
                "name": option.key,
                "label": words.group("labels").get(option.key) or option.label,
                "max": int(option.limit) if option.read == "text" else 500,
                "type": "textarea" if option.key == "message" else types.get(option.read, "text"),
                "hint": words.group("hints").get(option.key) or option.hint,
                "choices": choices_of(option.key, option.choices, words, printed),
                "low": option.low,
                "high": option.limit,
                "section": option.page,
                "kinds": option.products,
            }
        )
    return fields


UNCHOSEN = {"max_pressure": "as_routine", "sign_off": "no_sign_off"}  # the empty choice's word


def choices_of(
    key: str, values: tuple[str, ...], words: Words, printed: Words
) -> list[tuple[str, str]]:
    """A choice field's options as (value, text): first the empty one (the product's own way),
    then each value as the product prints it (a pressure level, a sign-off with {name} left
    for the giver's name)."""
    if not values:
        return []
    return [("", words.text(UNCHOSEN.get(key, "unchosen"))),
            *((v, choice_text(key, v, printed)) for v in values)]  # fmt: skip


def choice_text(key: str, value: str, printed: Words) -> str:
    """One choice as the product prints it."""
    if key == "max_pressure":
        return printed.item("pressure_levels", value)
    if key == "sign_off":
        return str(printed.values.get(f"sign_off_{value}", value))
    return value


def product_of(form: dict[str, str]) -> str:
    """The product asked for, as one of PRODUCTS: never the raw field."""
    product = form.get("product") or "card"
    return product if product in PRODUCTS else "card"


def kind_of(form: dict[str, str]) -> str:
    return "book" if product_of(form) in BOOKS else "card"


def paper_of(form: dict[str, str]) -> str:
    paper = form.get("paper") or ""
    return paper if paper in SHEETS else "letter"


def job_of(form: dict[str, str], library: Any, roots: tuple[str, ...] = ()) -> Job:
    """The form as the one job model every door uses: the product, what to print, the
    language, and every catalogue option the page offers, by its field's name."""
    from booklet.products.options import CATALOGUE

    product, kind = product_of(form), kind_of(form)
    options: dict[str, Any] = {}
    for option in CATALOGUE:  # a field this product does not use is hidden: its value waits
        if option.page and option.key not in ("sheet", "logo") and kind in option.products:
            value = (form.get(option.key) or "").strip()
            if value:
                options[option.key] = value
    if product == "sheet":
        options["sheet"] = paper_of(form)
    if product == "folded":
        options.update(impose="saddle", sheet=paper_of(form), fit_sheet=True)
    picked = picked_techniques(form, library)
    routine = None if picked else (form.get("routine") or "classic")
    return Job(kind, routine, tuple(picked), form.get("lang") or None, options, roots)


def picked_techniques(form: dict[str, str], library: Any) -> list[str]:
    """Techniques given a position ("at-fan-stroke": "1"), in that order; none: the routine."""
    chosen = []
    for ident in library.techniques:
        value = (form.get(f"at-{ident}") or "").strip()
        if value:
            if not re.fullmatch(r"[0-9]{1,3}", value) or not 1 <= int(value) <= MAX_PICKED:
                name = library.techniques[ident].name
                raise PageProblem("position", f"at-{ident}", name=name)
            chosen.append((int(value), ident))
    return [ident for _, ident in sorted(chosen)]


def field_problem(form: dict[str, str]) -> PageProblem | None:
    """The first typed value the page can tell is unusable before anything is made, as the
    options catalogue reads it: said in the page's words, at its field."""
    from booklet.products.options import BY_KEY, READERS

    for key in ("title", "subtitle", "for", "from", "message", *client_keys()):
        option = BY_KEY[key]
        value = (form.get(key) or "").strip()
        if not value or option.read == "file":
            continue
        try:
            READERS[option.read](option, value)
        except OptionError:
            if option.read == "text":
                n = len(" ".join(value.split()))
                return PageProblem("text_too_long", key, n=str(n), limit=f"{option.limit:g}")
            if option.read == "number":
                return PageProblem("not_a_number", key, low=f"{option.low:g}",
                                   high=f"{option.limit:g}")  # fmt: skip
            kinds = {"date": "not_a_date", "link": "not_a_link"}
            return PageProblem(kinds.get(option.read, "not_offered"), key)
    return None


def client_keys() -> tuple[str, ...]:
    from booklet.products.options import CATALOGUE

    return tuple(o.key for o in CATALOGUE if o.page == "client")


def render(library: Any, form: dict[str, str], logo: bytes | None = None) -> tuple[bytes, str]:
    """The PDF the form asks for, and a file name for it. Raises BookletError (naming the
    field) on any bad choice. `logo` is an uploaded image's bytes: checked as the command
    line checks a logo file."""
    pdf, name, _ = made_from(library, form, logo)
    return pdf, name


def made_from(
    library: Any, form: dict[str, str], logo: bytes | None = None
) -> tuple[bytes, str, dict[str, str]]:
    """`render`'s PDF and name, with the facts of how it was made (its layout, its size)."""
    from booklet.products.jailed import made_with
    from booklet.products.jobs import file_name, render_of

    job = job_of(form, library)
    if logo:
        job = job._replace(options={**job.options, "logo": logo})
    request = job.request()
    plan = library.plan(job.routine, job.techniques)
    made = made_with(library, render_of(job, request))
    name = file_name(job._replace(lang=library.lang), plan.id, made["facts"], always_lang=True)
    return made["data"], name, made["facts"]


def data_urls(pngs: list[bytes]) -> list[str]:
    """PNG pictures as data URLs for the page."""
    return ["data:image/png;base64," + base64.b64encode(png).decode("ascii") for png in pngs]


# --- messages, in the page's words -------------------------------------------------------------


class Said(NamedTuple):
    """A problem as the page says it: the field it belongs to ("" for the page), the field's
    label, the message without it, and the two joined as the language joins them."""

    field: str
    label: str
    text: str
    joined: str = ""

    @property
    def line(self) -> str:
        return self.joined or self.text


def at_field(field: str, label: str, text: str, words: Words) -> Said:
    """A message at its field, and its line for the top of the preview ("Title: is too long";
    in French, "Titre : ...")."""
    joined = words.text("said", label=label, message=text) if label else text
    return Said(field, label, text, joined)


def said(exc: BookletError, words: Words) -> Said:
    """Any error from the form or its render, in the page's words where it has them."""
    errors = words.group("errors")
    if isinstance(exc, PageProblem):
        field = exc.problem.field or ""
        if exc.key == "position":
            return at_field(field, exc.values["name"], words_error(words, "position"), words)
        text = fill(errors.get(exc.key, exc.key), dict(exc.values))
        return at_field(field, field_label(field, words), text, words)
    if isinstance(exc, UnprintableError):
        key = "cannot_print" if len(exc.chars) == 1 else "cannot_print_many"
        text = fill(errors[key], {"chars": " ".join(exc.chars)})
        return at_field(exc.option, field_label(exc.option, words), text, words)
    if isinstance(exc, OptionError):
        text = exc.reason
        if exc.option == "logo" and words.lang != "en":
            text = errors["logo"]
        return at_field(exc.option, field_label(exc.option, words), text, words)
    if isinstance(exc, FitError) or "does not fit" in exc.problem.message:
        return at_field("size", field_label("size", words), errors["does_not_fit"], words)
    return Said("", "", exc.problem.message)


def words_error(words: Words, key: str) -> str:
    return words.group("errors").get(key) or ENGLISH.get(key, key)


def fill(text: str, values: dict[str, str]) -> str:
    from booklet.data.language import fill as fill_in

    return fill_in(text, values)


def field_label(field: str | None, words: Words) -> str:
    from booklet.products.options import BY_KEY

    if not field:
        return ""
    option = BY_KEY.get(field)
    fallback = option.label if option is not None and option.label else field.replace("_", " ")
    return words.group("labels").get(field) or fallback[:1].upper() + fallback[1:]


# --- in the jail: what the page's workers do ---------------------------------------------------

_PAGE_ROOTS: tuple[str, ...] = ()


def init_page_worker(roots: tuple[str, ...]) -> None:
    """A page worker, once: the libraries in every language, a card in each and at every
    size, and a booklet, made and rasterized, so that what each render's child inherits is
    warm and the first person's preview is as quick as the rest (a booklet's child would
    otherwise load its typesetting afresh every time: 5 s a preview instead of 2; a size's
    first try takes 0.25 s, the next 0.02)."""
    global _PAGE_ROOTS
    import gc

    from booklet.press.preview import pdf_to_pngs
    from booklet.products.jailed import library_of

    gc.enable()  # a worker lives as long as the server
    with contextlib.suppress(AttributeError, OSError):  # not on Windows
        os.nice(10)  # renders yield to the server: a page or a file answers at once
    # Warmed with booklet's own library only: the worker is not confined (it forks a child for
    # each task), and a library's own layout (a `bedside` of its own, say) may be anyone's
    # templates, which run only in a task's confined child (found by attack).
    _PAGE_ROOTS = ()
    base = library_of(_PAGE_ROOTS, None)
    for code in base.language_codes:
        size_fits_task({"routine": "classic", "lang": code}, "")
    for size in SIZES:
        size_fits_task({"routine": "classic"}, size)
    with contextlib.suppress(BookletError):
        pdf_to_pngs(render(base, {"routine": "classic"})[0], ZOOM_DPI, only=1)
        pdf_to_pngs(render(base, {"routine": "classic", "product": "book"})[0], 10, only=1)
    _PAGE_ROOTS = tuple(roots)
    for code in library_of(_PAGE_ROOTS, None).language_codes:  # its data, read once
        library_of(_PAGE_ROOTS, code)


def page_task(
    form: dict[str, str],
    logo: bytes | None,
    want_previews: bool,
    want_pdf: bool,
    zoom: int = 0,
) -> dict[str, Any]:
    """One request's render, in a child of a page worker: the PDF, its name, its previews
    (or, with `zoom`, that page alone, large)."""
    from booklet.press.preview import pdf_to_pngs
    from booklet.products.jailed import library_of

    library = library_of(_PAGE_ROOTS, form.get("lang") or None)
    pdf, name = render(library, form, logo)
    answer: dict[str, Any] = {"name": name}
    if want_pdf:
        answer["pdf"] = pdf
    if zoom:
        answer["previews"] = pdf_to_pngs(pdf, ZOOM_DPI, only=zoom, compress_level=1)
    elif want_previews:
        answer["previews"] = pdf_to_pngs(pdf, PREVIEW_DPI, compress_level=1)
    return answer


def size_fits_task(form: dict[str, str], size: str) -> bool:
    """Whether the form's routine fits `size` ("" the layout's own, which need not fit
    either: the compact card's 3x5 in holds the safety set in English only), with its layout,
    in its language. A card is made at that size (a tenth of a second; one that does not fit
    takes longer, as it looks for a size to name); a booklet runs on to as many pages as it
    needs, so its page is only checked as a booklet checks it before it sets a line (a whole
    booklet takes a second or two). One size a task, so that a preview waits behind one at
    most."""
    from booklet.products.jailed import library_of

    library = library_of(_PAGE_ROOTS, form.get("lang") or None)
    bare = {k: v for k, v in form.items() if k in ("routine", "layout", "lang")}
    bare |= {k: v for k, v in form.items() if k.startswith("at-")}
    bare |= {"product": kind_of(form), "size": size}
    try:
        if bare["product"] == "book":
            book_page_fits(library, bare)
        else:  # the layout's own size fits only if it was not made larger
            return "larger_than_its_own" not in made_from(library, bare)[2]
    except BookletError:
        return False
    return True


def book_page_fits(library: Any, form: dict[str, str]) -> None:
    """Raise BookletError when a booklet cannot be set on the form's page: the checks a
    booklet makes of its request, layout, faces and page size before it sets a line."""
    from booklet.products.booklet.kit import BookKit

    job = job_of(form, library)
    BookKit(library, library.plan(job.routine, job.techniques), job.request())


def ready_task() -> bool:
    """A worker's first task, once it is warm: nothing but being there."""
    return True


def pictures_task() -> list[dict[str, str]]:
    """The techniques' small pictures for the form, drawn in the jail at start."""
    from booklet.products.jailed import library_of

    return technique_pictures(library_of(_PAGE_ROOTS, None))


def technique_pictures(library: Any) -> list[dict[str, str]]:
    """Each technique's id and small diagram (a PNG data URL), drawn once at start."""
    from booklet.draw.diagrams import diagram_art
    from booklet.press.preview import pdf_to_pngs
    from booklet.products.diagram import art_pdf

    out = []
    for ident, tech in sorted(library.techniques.items()):
        picture = ""
        if tech.diagram is not None:
            art = diagram_art(tech.diagram, 54.0, False, False, "text", 0.0, False)
            png = pdf_to_pngs(art_pdf(art, tech.name), 144)[0]
            picture = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        out.append({"id": ident, "picture": picture})
    return out


def render_label(form: dict[str, str]) -> str:
    """How a stopped render is named on the page: by its layout."""
    layout = (form.get("layout") or "").strip()[:40]
    if not layout:
        layout = "gift" if kind_of(form) == "book" else "bedside"
    return f"layout '{layout}'"


def download_name_safe(name: str) -> str:
    """A name for Content-Disposition: nothing but letters, digits, '+', '-' and '.'."""
    clean = re.sub(r"[^A-Za-z0-9+.-]", "-", name)[:150]
    return clean if clean.endswith(".pdf") and len(clean) > 4 else "booklet.pdf"
