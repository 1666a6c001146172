"""The local web page: choose, personalise, see it, download it.

Starlette (ASGI, BSD licence) with uvicorn: small, well kept, and async. Every render (the
previews, the downloads, the techniques' pictures) runs in the jail (booklet.base.jail): a
pool of spawned workers started with the server, each render in a child of its own with the
jail's limits, so one slow or greedy render costs its requester alone. At most a few renders
wait; beyond that the page says it is busy. The server itself only reads bounded forms, with
timeouts for headers and bodies. Every request goes through the same request model and limits
as the command line (booklet.products.requests); the browser never names a file; every value
printed back into the page is escaped by Jinja2.

Safe by default: only requests whose Host is this machine's loopback name are answered, and a
form sent from another site (its Origin, or Sec-Fetch-Site) is refused, so a web page elsewhere
cannot drive the tool (DNS rebinding, cross-site requests).
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from booklet.base.errors import BookletError
from booklet.base.jail import MIB, Limits
from booklet.base.units import NAMED_SIZES
from booklet.products.jobs import Job

PREVIEW_DPI = 40
TIME_LIMIT = 20.0  # seconds a request may wait for its render, queue included
RENDER_LIMITS = Limits(memory=192 * MIB, cpu=8.0, wall=10.0)  # one render in the jail
LOGO_ALLOWANCE = 256 * MIB
BACKLOG = 8  # renders that may wait for a worker; more is "busy, try again"
HEADER_TIMEOUT = 10.0  # seconds a connection may take to send its request's headers
BODY_TIMEOUT = 15.0  # seconds a request may take to send its form
MAX_BODIES = 16  # forms being read at once: the server's memory stays bounded
MAX_FORM = 64 * 1024  # the words; a logo may add up to the CLI's own logo limit
BUSY = "booklet is busy making other pages. Try again in a moment."
TOO_LONG = "That took too long to make. Choose fewer pages or a smaller size."
HERE = Path(__file__).parent
PRODUCTS = {
    "card": "Card",
    "sheet": "Cards on a print sheet",
    "book": "Booklet",
    "folded": "Folded booklet (print two-sided, fold, staple)",
}
PAPERS = ("letter", "a4")
SIZES = tuple(n for n in NAMED_SIZES if n not in ("letter", "a4"))
MAX_PICKED = 12
SECTIONS = ("whom", "client")  # the catalogue's options the page shows as fields of their own


def page_fields() -> list[dict[str, Any]]:
    """The page's fields for the options it shows, from the options catalogue: name, label
    (what tests and screen readers find), limit, input type, hint and choices."""
    from booklet.products.options import CATALOGUE

    types = {"date": "date", "link": "url", "number": "number", "choice": "select"}
    fields = []
    for option in CATALOGUE:
        if option.page not in SECTIONS or option.read == "file":
            continue
        kind = "textarea" if option.key == "message" else types.get(option.read, "text")
        fields.append(
            {
                "name": option.key,
                "label": option.label,
                "max": int(option.limit) if option.read == "text" else 500,
                "type": kind,
                "hint": option.hint,
                "choices": option.choices,
                "section": option.page,
                "products": option.products,
            }
        )
    return fields


def job_of(form: dict[str, str], library: Any, roots: tuple[str, ...] = ()) -> Job:
    """The form as the one job model every door uses: the product, what to print, the
    language, and every catalogue option the page offers, by its field's name."""
    from booklet.products.options import CATALOGUE

    product = product_of(form)
    kind = "book" if product in ("book", "folded") else "card"
    options: dict[str, Any] = {}
    for option in CATALOGUE:  # a value the product cannot use is said at its field, not dropped
        if option.page and option.key not in ("sheet", "logo"):
            value = (form.get(option.key) or "").strip()
            if value:
                options[option.key] = value
    paper = form.get("paper") if form.get("paper") in PAPERS else "letter"
    if product == "sheet":
        options["sheet"] = paper
    if product == "folded":
        options.update(impose="saddle", sheet=paper, fit_sheet=True)
    picked = picked_techniques(form, library)
    routine = None if picked else (form.get("routine") or "classic")
    lang = form.get("lang") or None
    return Job(kind, routine, tuple(picked), lang, options, roots)


def render(library: Any, form: dict[str, str], logo: bytes | None = None) -> tuple[bytes, str]:
    """The PDF the form asks for, and a file name for it. Raises BookletError (a message for
    the page, naming the field) on any bad choice. `logo` is an uploaded image's bytes:
    checked as the command line checks a logo file."""
    from booklet.products.jailed import made_with
    from booklet.products.jobs import file_name, render_of
    from booklet.products.requests import OptionError

    job = job_of(form, library)
    if logo:
        job = job._replace(options={**job.options, "logo": logo})
    try:
        request = job.request()
        plan = library.plan(job.routine, job.techniques)
        made = made_with(library, render_of(job, request))
    except OptionError as exc:
        raise BookletError(f"{label_of(exc.option)}: {exc.reason}") from None
    name = file_name(job._replace(lang=library.lang), plan.id, made["facts"], always_lang=True)
    return made["data"], name


def product_of(form: dict[str, str]) -> str:
    """The product asked for, as one of PRODUCTS' keys: never the raw field."""
    product = form.get("product") or "card"
    return product if product in PRODUCTS else "card"


def picked_techniques(form: dict[str, str], library: Any) -> list[str]:
    """Techniques given a position ("at-fan-stroke": "1"), in that order; none: the routine."""
    chosen = []
    for ident in library.techniques:
        value = (form.get(f"at-{ident}") or "").strip()
        if value:
            if not re.fullmatch(r"[0-9]{1,3}", value) or not 1 <= int(value) <= MAX_PICKED:
                name = library.techniques[ident].name
                raise BookletError(f"{name}: its position must be a number from 1 to 12.")
            chosen.append((int(value), ident))
    return [ident for _, ident in sorted(chosen)]


def label_of(option: str) -> str:
    """An option as the page labels it (from the options catalogue)."""
    from booklet.products.options import BY_KEY

    known = BY_KEY.get(option)
    return known.label if known is not None and known.label else option.title()


def data_urls(pngs: list[bytes]) -> list[str]:
    """PNG pictures as data URLs for the page."""
    return ["data:image/png;base64," + base64.b64encode(png).decode("ascii") for png in pngs]


# --- in the jail: what the page's workers do ---------------------------------------------------

_PAGE_ROOTS: tuple[str, ...] = ()


def init_page_worker(roots: tuple[str, ...]) -> None:
    """A page worker, once: the libraries in every language, and one card drawn, so that the
    first person's preview is as quick as the rest."""
    global _PAGE_ROOTS
    import gc

    from booklet.products.jailed import library_of

    gc.enable()  # a worker lives as long as the server
    _PAGE_ROOTS = tuple(roots)
    base = library_of(_PAGE_ROOTS, None)
    for code in base.language_codes:
        library_of(_PAGE_ROOTS, code)
    with contextlib.suppress(BookletError):
        render(base, {"routine": "classic"})


def page_task(
    form: dict[str, str], logo: bytes | None, want_previews: bool, want_pdf: bool
) -> dict[str, Any]:
    """One request's render, in a child of a page worker: the PDF, its name, its previews."""
    from booklet.products.jailed import library_of

    library = library_of(_PAGE_ROOTS, form.get("lang") or None)
    pdf, name = render(library, form, logo)
    answer: dict[str, Any] = {"name": name}
    if want_pdf:
        answer["pdf"] = pdf
    if want_previews:
        from booklet.press.preview import pdf_to_pngs

        answer["previews"] = pdf_to_pngs(pdf, PREVIEW_DPI)
    return answer


def pictures_task() -> list[dict[str, str]]:
    """The techniques' small pictures for the form, drawn in the jail at start."""
    from booklet.products.jailed import library_of

    return technique_pictures(library_of(_PAGE_ROOTS, None))


def render_label(form: dict[str, str]) -> str:
    """How a stopped render is named on the page: by its layout."""
    layout = (form.get("layout") or "").strip()[:40]
    if not layout:
        layout = "gift" if product_of(form) in ("book", "folded") else "bedside"
    return f"layout '{layout}'"


class PageAnswer(NamedTuple):
    status: int
    message: str  # empty when all went well
    answer: dict[str, Any]


def create_app(
    roots: list[Path],
    port: int,
    lang: str | None = None,
    *,
    workers: int | None = None,
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]"),
) -> Any:
    """The ASGI app for a server on port `port`; `lang` is the language the form starts in
    (--lang); `workers` is how many renders run at once (default: the machine's cores);
    `hosts` are the names it answers at."""
    import asyncio

    import anyio
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    from booklet.base.jail import Busy, Pool
    from booklet.data.language import language_name
    from booklet.data.library import load_library
    from booklet.products.personal import MAX_LOGO_BYTES

    library = load_library(roots, every_language=True)  # each worker reads every language
    codes = library.language_codes
    start_lang = lang or "en"
    if start_lang not in codes:
        library.in_language(start_lang)  # the CLI's own message: no such language, and which
    languages = [(code, language_name(code)[1]) for code in codes]
    pool = Pool(
        workers or max(1, os.cpu_count() or 1),
        limits=RENDER_LIMITS,
        isolate=True,
        start="spawn",
        initializer=init_page_worker,
        initargs=(tuple(str(r) for r in roots),),
        backlog=BACKLOG,
    )
    pool.start_thread()
    try:
        thumbnails = pool.submit(pictures_task, label="the techniques' pictures").result(60)
    except BaseException:
        pool.close()
        raise
    pages = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(default=True))
    fields = page_fields()
    from booklet.base.files import read_bounded

    statics = {name: read_bounded(HERE / name, 1 << 20) for name in ("app.js", "app.css")}
    bodies = asyncio.Semaphore(MAX_BODIES)
    card_layouts = sorted(n for n in library.layouts if is_kind(library, n, "card"))
    book_layouts = sorted(n for n in library.layouts if is_kind(library, n, "book"))

    def choices() -> dict[str, Any]:
        return {
            "fields": fields,
            "techniques": thumbnails,
            "routines": sorted(library.routines.values(), key=lambda r: r.id),
            "card_layouts": card_layouts,
            "book_layouts": book_layouts,
            "sizes": SIZES,
            "products": PRODUCTS,
            "papers": PAPERS,
            "languages": languages,
        }

    def checked_language(form: dict[str, str]) -> dict[str, str]:
        code = form.get("lang") or start_lang
        if code not in codes:
            known = ", ".join(codes)
            raise BookletError(f"Language: there is no language '{code}' here; choose {known}.")
        return {**form, "lang": code}

    async def form_of(request: Request) -> tuple[dict[str, str], bytes | None]:
        """The form's words, and the logo's bytes if one was sent: all of it bounded before
        it is parsed, and in time."""
        declared = request.headers.get("content-length", "")
        limit = MAX_FORM + MAX_LOGO_BYTES
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise BookletError("the form is too large (a logo may be up to 4 MB).")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BookletError("the form is too large (a logo may be up to 4 MB).")
        request._body = bytes(body)  # the form parser reads these bytes, not the stream again
        try:
            form = await request.form(max_files=1, max_fields=200)
        except Exception:  # a malformed body: the sender's mistake, said plainly
            raise BookletError("the form could not be read. Send it again from the page.") from None
        words = {k: str(v)[:2000] for k, v in form.items() if isinstance(v, str)}
        logo = None
        upload = form.get("logo")
        if upload is not None and not isinstance(upload, str):
            logo = await upload.read(MAX_LOGO_BYTES + 1) or None
        return words, logo

    async def answer_for(
        request: Request | None, previews: bool, pdf: bool
    ) -> tuple[dict[str, str], PageAnswer]:
        """Read the form (if a request is given), render it in the jail, and say how it went:
        400 for anything in the form, 408 for a form that takes too long to arrive, 503 when
        busy or too slow, 500 only for a bug."""
        form: dict[str, str] = {"routine": "classic", "product": "card", "lang": start_lang}
        try:
            if request is not None:
                try:
                    with anyio.fail_after(BODY_TIMEOUT):
                        async with bodies:
                            form, logo = await form_of(request)
                except TimeoutError:
                    return form, PageAnswer(408, "The form took too long to arrive.", {})
            else:
                logo = None
            form = checked_language(form)
            limits = RENDER_LIMITS.more_memory(LOGO_ALLOWANCE) if logo else RENDER_LIMITS
            job = pool.submit(
                page_task, form, logo, previews, pdf, label=render_label(form), limits=limits
            )
            try:
                with anyio.fail_after(TIME_LIMIT):
                    return form, PageAnswer(200, "", await asyncio.wrap_future(job))
            except TimeoutError:
                job.cancel()
                return form, PageAnswer(503, TOO_LONG, {})
        except Busy:
            return form, PageAnswer(503, BUSY, {})
        except BookletError as exc:
            return form, PageAnswer(400, exc.problem.message, {})
        except Exception:
            return form, PageAnswer(500, "Something went wrong inside booklet.", {})

    async def page(request: Request) -> Response:
        form, made = await answer_for(request if request.method == "POST" else None, True, False)
        html = pages.get_template("page.html").render(
            form=form,
            error=made.message,
            images=data_urls(made.answer.get("previews", [])),
            **choices(),
        )
        return HTMLResponse(html, status_code=made.status, headers=SECURITY_HEADERS)

    async def preview(request: Request) -> Response:
        _, made = await answer_for(request, True, False)
        images = data_urls(made.answer.get("previews", []))
        return JSONResponse({"images": images, "error": made.message}, status_code=made.status)

    async def download(request: Request) -> Response:
        _, made = await answer_for(request, False, True)
        if made.status != 200:
            return HTMLResponse(
                pages.get_template("error.html").render(error=made.message),
                status_code=made.status,
                headers=SECURITY_HEADERS,
            )
        name = download_name_safe(str(made.answer.get("name", "")))
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(made.answer["pdf"], media_type="application/pdf", headers=headers)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        kinds = {"app.js": "text/javascript", "app.css": "text/css"}
        if name not in kinds:
            return Response(status_code=404)
        return Response(statics[name], media_type=kinds[name])

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        try:
            yield
        finally:
            pool.close()

    app = Starlette(
        routes=[
            Route("/", page, methods=["GET", "POST"]),
            Route("/preview", preview, methods=["POST"]),
            Route("/pdf", download, methods=["POST"]),
            Route("/static/{name}", static),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts))],
        lifespan=lifespan,
    )
    wrapped = SameOrigin(app)
    wrapped.pool = pool  # for whoever runs the server: close it when done
    return wrapped


def download_name_safe(name: str) -> str:
    """A name for Content-Disposition: nothing but letters, digits, '+', '-' and '.'."""
    clean = re.sub(r"[^A-Za-z0-9+.-]", "-", name)[:150]
    return clean if clean.endswith(".pdf") and len(clean) > 4 else "booklet.pdf"


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make the form's Origin "null"
}


class SameOrigin:
    """Refuses (403) a POST sent from another site: its Origin is not this server, or the
    browser says it crossed sites."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pool: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            host = headers.get("host", "")
            origin = headers.get("origin")
            cross = headers.get("sec-fetch-site") == "cross-site"
            if cross or (origin is not None and origin.split("://", 1)[-1] != host):
                from starlette.responses import PlainTextResponse

                response = PlainTextResponse("Refused: this form comes from another site.", 403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def technique_pictures(library: Any) -> list[dict[str, str]]:
    """Each technique's id, name and small diagram (a PNG data URL), drawn once at start."""
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
        out.append({"id": ident, "name": tech.name, "picture": picture})
    return out


def is_kind(library: Any, name: str, kind: str) -> bool:
    from booklet.layout.spec import load_layout

    try:
        return bool(load_layout(name, library).kind == kind)
    except BookletError:
        return False
