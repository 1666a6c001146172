"""The local web page: choose, personalise, see it, download it.

Starlette (ASGI, BSD licence) with uvicorn: small, well kept, and async, so a slow render runs
in a worker thread under a time limit while the page stays responsive. Every request goes
through the same request model and limits as the command line (booklet.products.requests);
the browser never names a file; every value printed back into the page is escaped by Jinja2.

Safe by default: only requests whose Host is this machine's loopback name are answered, and a
form sent from another site (its Origin, or Sec-Fetch-Site) is refused, so a web page elsewhere
cannot drive the tool (DNS rebinding, cross-site requests).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from booklet.base.errors import BookletError
from booklet.base.units import NAMED_SIZES

PREVIEW_DPI = 40
TIME_LIMIT = 20.0  # seconds a render may take before the page is told it took too long
MAX_FORM = 64 * 1024  # the words; a logo may add up to the CLI's own logo limit
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
# The "For whom" fields: name, label (what tests and screen readers find), limit, type, hint.
FIELDS = (
    ("title", "Title", 120, "text", "The routine's own title"),
    ("for", "For", 200, "text", "Booklets: who it is for"),
    ("from", "From", 200, "text", "Booklets: who gives it"),
    ("message", "Message", 400, "textarea", "Booklets: a dedication"),
    ("client", "Client", 120, "text", "Therapists: your client's name"),
    ("therapist", "Therapist", 120, "text", "Therapists: your name and title"),
    ("contact", "Contact", 120, "text", "Therapists: phone, email or address"),
    ("date", "Date", 10, "date", ""),
    ("note", "Note", 400, "text", "Therapists: a line for this client"),
    ("link", "Link", 500, "url", "https://… printed as a QR code"),
)


def request_options(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The form as the request model's options: (card or book, options)."""
    product = form.get("product") if form.get("product") in PRODUCTS else "card"
    kind = "book" if product in ("book", "folded") else "card"
    options: dict[str, Any] = {}
    layout = (form.get("layout") or "").strip()
    if layout:
        options["layout"] = layout
    if form.get("size"):
        options["size"] = form["size"]
    for key, *_ in FIELDS:
        value = (form.get(key) or "").strip()
        if value and (kind == "book" or key not in ("for", "from", "message")):
            options[key] = value
    paper = form.get("paper") if form.get("paper") in PAPERS else "letter"
    if product == "sheet":
        options["sheet"] = paper
    if product == "folded":
        options.update(impose="saddle", sheet=paper, fit_sheet=True)
    return kind, options


def render(library: Any, form: dict[str, str], logo: bytes | None = None) -> tuple[bytes, str]:
    """The PDF the form asks for, and a file name for it. Raises BookletError (a message for
    the page) on any bad choice. `logo` is an uploaded image's bytes: checked as the command
    line checks a logo file."""
    from booklet.products.booklet import render_book
    from booklet.products.card import render_card
    from booklet.products.requests import OptionError, book_request, card_request

    kind, options = request_options(form)
    routine = form.get("routine") or "classic"
    picked = picked_techniques(form, library)
    plan = library.plan(None if picked else routine, picked)
    try:
        if kind == "card":
            pdf = render_card(library, plan, with_logo(card_request(options), logo))
        else:
            pdf = render_book(library, plan, with_logo(book_request(options), logo))
    except OptionError as exc:
        raise BookletError(f"{label_of(exc.option)}: {exc.reason}") from None
    name = f"{plan.id}-{form.get('product') or 'card'}.pdf"
    return pdf, name


def with_logo(request: Any, logo: bytes | None) -> Any:
    """A card or book request carrying an uploaded logo's bytes."""
    if not logo:
        return request
    return request._replace(personal=request.personal._replace(logo_image=logo))


def picked_techniques(form: dict[str, str], library: Any) -> list[str]:
    """Techniques given a position ("at-fan-stroke": "1"), in that order; none: the routine."""
    chosen = []
    for ident in library.techniques:
        value = (form.get(f"at-{ident}") or "").strip()
        if value:
            if not value.isdigit() or not 1 <= int(value) <= MAX_PICKED:
                name = library.techniques[ident].name
                raise BookletError(f"{name}: its position must be a number from 1 to 12.")
            chosen.append((int(value), ident))
    return [ident for _, ident in sorted(chosen)]


def label_of(option: str) -> str:
    """An option as the page labels it."""
    return {"for": "For", "from": "From", "sheet": "Paper"}.get(option, option.title())


def previews(pdf: bytes) -> list[str]:
    """Every page as a PNG data URL, small enough to send on each change."""
    from booklet.press.preview import pdf_to_pngs

    return [
        "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        for png in pdf_to_pngs(pdf, PREVIEW_DPI)
    ]


def create_app(roots: list[Path], port: int, lang: str | None = None) -> Any:
    """The ASGI app for a server on loopback port `port`; `lang` is the language the form
    starts in (--lang)."""
    import anyio
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    from booklet.data.language import language_name
    from booklet.data.library import load_library
    from booklet.products.personal import MAX_LOGO_BYTES

    library = load_library(roots)
    # Every language the libraries have, translated once: a form names one by its code only.
    libraries = {code: library.in_language(code) for code in library.language_codes}
    start_lang = lang or "en"
    if start_lang not in libraries:
        library.in_language(start_lang)  # the CLI's own message: no such language, and which
    languages = [(code, language_name(code)[1]) for code in libraries]
    thumbnails = technique_pictures(library)
    pages = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(default=True))

    def choices() -> dict[str, Any]:
        return {
            "fields": [
                {"name": n, "label": label, "max": limit, "type": kind, "hint": hint}
                for n, label, limit, kind, hint in FIELDS
            ],
            "techniques": thumbnails,
            "routines": sorted(library.routines.values(), key=lambda r: r.id),
            "card_layouts": sorted(n for n in library.layouts if is_kind(library, n, "card")),
            "book_layouts": sorted(n for n in library.layouts if is_kind(library, n, "book")),
            "sizes": SIZES,
            "products": PRODUCTS,
            "papers": PAPERS,
            "languages": languages,
        }

    def library_for(form: dict[str, str]) -> Any:
        code = form.get("lang") or start_lang
        if code not in libraries:
            known = ", ".join(libraries)
            raise BookletError(f"Language: there is no language '{code}' here; choose {known}.")
        return libraries[code]

    async def form_of(request: Request) -> tuple[dict[str, str], bytes | None]:
        """The form's words, and the logo's bytes if one was sent: all of it bounded before
        it is parsed."""
        declared = request.headers.get("content-length", "")
        limit = MAX_FORM + MAX_LOGO_BYTES
        if declared.isdigit() and int(declared) > limit:
            raise BookletError("the form is too large (a logo may be up to 4 MB).")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BookletError("the form is too large (a logo may be up to 4 MB).")
        request._body = bytes(body)  # the form parser reads these bytes, not the stream again
        form = await request.form(max_files=1, max_fields=200)
        words = {k: str(v)[:2000] for k, v in form.items() if isinstance(v, str)}
        logo = None
        upload = form.get("logo")
        if upload is not None and not isinstance(upload, str):
            logo = await upload.read(MAX_LOGO_BYTES + 1) or None
        return words, logo

    async def rendered(sent: tuple[dict[str, str], bytes | None]) -> tuple[bytes, str]:
        form, logo = sent
        with anyio.fail_after(TIME_LIMIT):
            chosen = library_for(form)
            return await anyio.to_thread.run_sync(render, chosen, form, logo)

    async def page(request: Request) -> Response:
        form: dict[str, str] = {"routine": "classic", "product": "card", "lang": start_lang}
        logo: bytes | None = None
        error, images = "", []
        try:
            if request.method == "POST":
                form, logo = await form_of(request)
            pdf, _ = await rendered((form, logo))
            images = previews(pdf)
        except BookletError as exc:
            error = exc.problem.message
        except TimeoutError:
            error = "That took too long to make. Choose fewer pages or a smaller size."
        html = pages.get_template("page.html").render(
            form=form, error=error, images=images, **choices()
        )
        return HTMLResponse(html, headers=SECURITY_HEADERS)

    async def preview(request: Request) -> Response:
        try:
            pdf, _ = await rendered(await form_of(request))
            return JSONResponse({"images": previews(pdf), "error": ""})
        except BookletError as exc:
            return JSONResponse({"images": [], "error": exc.problem.message})
        except TimeoutError:
            message = "That took too long to make. Choose fewer pages or a smaller size."
            return JSONResponse({"images": [], "error": message}, status_code=503)

    async def download(request: Request) -> Response:
        try:
            pdf, name = await rendered(await form_of(request))
        except BookletError as exc:
            return HTMLResponse(
                pages.get_template("error.html").render(error=exc.problem.message),
                status_code=400,
                headers=SECURITY_HEADERS,
            )
        except TimeoutError:
            return Response("That took too long to make.", status_code=503)
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(pdf, media_type="application/pdf", headers=headers)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        kinds = {"app.js": "text/javascript", "app.css": "text/css"}
        if name not in kinds:
            return Response(status_code=404)
        from booklet.base.files import read_bounded

        return Response(read_bounded(HERE / name, 1 << 20), media_type=kinds[name])

    hosts = ["127.0.0.1", "localhost", "[::1]"]
    app = Starlette(
        routes=[
            Route("/", page, methods=["GET", "POST"]),
            Route("/preview", preview, methods=["POST"]),
            Route("/pdf", download, methods=["POST"]),
            Route("/static/{name}", static),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)],
    )
    return SameOrigin(app)


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
