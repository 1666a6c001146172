"""The page: choose, personalise, see it, download it, in the reader's language.

Starlette (ASGI, BSD licence) with uvicorn: small, well kept, and async. Its routes are small
handlers over one `Site` that holds the library, the jail's pool of render workers, the page's
words in every language and the walls: a rate limit per client, bounded forms read in time,
and renders that wait in a bounded queue (booklet.base.jail). What the form means, and the
renders' work inside the jail, is booklet.web.form.

Safe by default: only requests whose Host is one of the names given (this machine's loopback
names unless told more) are answered, and a form sent from another site (its Origin, or
Sec-Fetch-Site) is refused, so a web page elsewhere cannot drive the tool (DNS rebinding,
cross-site requests).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from booklet.base.errors import BookletError
from booklet.data.language import Words
from booklet.press.papers import SHEETS
from booklet.web import form as form_
from booklet.web.form import (  # noqa: F401  (what the server, tools and tests reach for here)
    PREVIEW_DPI,
    RENDER_LIMITS,
    init_page_worker,
    page_task,
    render,
)
from booklet.web.guard import RATE, RateLimit, SameOrigin, allowed_hosts, client_of, retry_after

if TYPE_CHECKING:
    from starlette.responses import JSONResponse

HERE = Path(__file__).parent
BACKLOG = 16  # renders that may wait for a worker; more is "busy, try again"
LOGO_BACKLOG = 8  # of which with a logo: each may decode a 4000-pixel picture
HEADER_TIMEOUT = 10.0  # seconds a connection may take to send its request's headers
BODY_TIMEOUT = 15.0  # seconds a request may take to send its form
MAX_BODIES = 16  # forms being read at once: the server's memory stays bounded
MAX_FORM = 64 * 1024  # the words; a logo may add up to the CLI's own logo limit
MAX_FIELDS = 200
SIZE_MEMORY = 512  # routines, layouts and languages whose sizes are remembered
STARTUP_WALL = 120.0  # seconds a worker may take to warm up and make its first task
EVERY_SIZE = ("", *form_.SIZES)  # "": the layout's own size
STATICS = {
    "app.js": "text/javascript",
    "app.css": "text/css",
    "favicon.svg": "image/svg+xml",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make the form's Origin "null"
}


class PageAnswer(NamedTuple):
    status: int
    said: form_.Said | None  # None when all went well
    answer: dict[str, Any]
    retry: float = 0.0  # seconds to wait, for a 429

    @property
    def error(self) -> str:
        return self.said.line if self.said is not None else ""


class Site:
    """Everything the routes share, made once when the server starts."""

    def __init__(
        self,
        roots: list[Any],
        lang: str | None,
        workers: int | None,
        proxies: tuple[str, ...],
        rate: tuple[float, float] | None,
    ) -> None:
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        from booklet.base.files import read_bounded
        from booklet.data.library import load_library

        self.library = load_library([Path(r) for r in roots], every_language=True)
        self.codes = self.library.language_codes
        if lang is not None and lang not in self.codes:
            self.library.in_language(lang)  # the CLI's own message: no such language, and which
        self.start_lang = lang
        self.roots = tuple(str(r) for r in roots)
        self.limits = form_.RENDER_LIMITS.reading(self.roots)  # a render reads its libraries
        self.translated = {code: self.library.in_language(code) for code in self.codes}
        self.templates = Environment(
            loader=FileSystemLoader(HERE), autoescape=select_autoescape(default=True)
        )
        self.statics = {name: read_bounded(HERE / name, 1 << 20) for name in STATICS}
        self.bodies = asyncio.Semaphore(MAX_BODIES)
        self.limit = RateLimit(*(rate or RATE))
        self.proxies = frozenset(proxies)
        self.sizes: OrderedDict[tuple[Any, ...], list[str]] = OrderedDict()
        self.asking: dict[tuple[Any, ...], asyncio.Future[list[str]]] = {}
        self.first_pages: dict[str, PageAnswer] = {}  # the page as it starts, by language
        self.logo_renders = 0  # waiting or running (the event loop's own count)
        self.pool = self.start_pool(workers)
        self.card_layouts = self.layouts_of("card")
        self.book_layouts = self.layouts_of("book")

    def start_pool(self, workers: int | None) -> Any:
        from booklet.base.jail import Pool

        pool = Pool(
            workers or max(1, os.cpu_count() or 1),
            limits=self.limits,
            isolate=True,
            start="spawn",
            initializer=form_.init_page_worker,
            initargs=(self.roots,),
            backlog=BACKLOG,
        )
        pool.start_thread()
        try:  # a first task for each worker, whose clock counts its warming up too
            first = self.limits._replace(wall=STARTUP_WALL)
            jobs = [pool.submit(form_.pictures_task, label="the techniques' pictures",
                                limits=first)]  # fmt: skip
            jobs += [pool.submit(form_.ready_task, label="a page worker", limits=first)
                     for _ in range(pool.size - 1)]  # fmt: skip
            self.pictures = jobs[0].result(STARTUP_WALL + 10)
            for job in jobs[1:]:  # every worker warm before the first person is answered
                job.result(STARTUP_WALL + 10)
        except BaseException:
            pool.close()
            raise
        return pool

    def layouts_of(self, kind: str) -> list[str]:
        from booklet.layout.spec import load_layout

        names = []
        for name in sorted(self.library.layouts):
            with contextlib.suppress(BookletError):
                if load_layout(name, self.library).kind == kind:
                    names.append(name)
        return names

    # --- the page's language and words ---------------------------------------------------------

    def language(self, form: dict[str, str], accept: str = "") -> str:
        """The form's language; for a new visitor, --lang, else the browser's first language
        that the library has, else English."""
        code = form.get("lang")
        if code:
            if code not in self.codes:
                known = ", ".join(self.codes)
                raise form_.PageProblem("language", "lang", code=code[:20], known=known)
            return code
        if self.start_lang:
            return self.start_lang
        for part in accept.split(","):
            tag = part.split(";")[0].strip().lower()
            for candidate in (tag, tag.split("-")[0]):
                if candidate in self.codes:
                    return candidate
        return "en"

    def words(self, code: str) -> Words:
        return self.translated.get(code, self.library).page_words

    # --- reading a form and making what it asks for --------------------------------------------

    async def form_of(self, request: Any) -> tuple[dict[str, str], bytes | None]:
        """The form's words, and the logo's bytes if one was sent: all of it bounded before
        it is parsed, and in time."""
        from booklet.products.personal import MAX_LOGO_BYTES

        declared = request.headers.get("content-length", "")
        limit = MAX_FORM + MAX_LOGO_BYTES
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise form_.PageProblem("too_large")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise form_.PageProblem("too_large")
        request._body = bytes(body)  # the form parser reads these bytes, not the stream again
        try:
            form = await request.form(max_files=1, max_fields=MAX_FIELDS)
        except Exception:  # a malformed body: the sender's mistake, said plainly
            raise form_.PageProblem("unreadable") from None
        words = {k: str(v)[:2000] for k, v in form.items() if isinstance(v, str)}
        logo = None
        upload = form.get("logo")
        if upload is not None and not isinstance(upload, str):
            logo = await upload.read(MAX_LOGO_BYTES + 1) or None
        return words, logo

    async def read(self, request: Any) -> tuple[dict[str, str], bytes | None, PageAnswer | None]:
        """The posted form, or how reading it failed (408 slow, 429 too often, 400 bad)."""
        import anyio

        form: dict[str, str] = {}
        accept = request.headers.get("accept-language", "")
        wait = self.limit.wait(client_of(request.scope, self.proxies))
        if wait:
            form["lang"] = self.language({}, accept)
            said = form_.Said("", "", form_.words_error(self.words(form["lang"]), "too_fast"))
            return form, None, PageAnswer(429, said, {}, wait)
        try:
            with anyio.fail_after(BODY_TIMEOUT):
                async with self.bodies:
                    form, logo = await self.form_of(request)
        except TimeoutError:
            form["lang"] = self.language({}, accept)
            said = form_.Said("", "", form_.words_error(self.words(form["lang"]), "slow_form"))
            return form, None, PageAnswer(408, said, {})
        except BookletError as exc:
            form["lang"] = self.language({}, accept)
            return form, None, PageAnswer(400, form_.said(exc, self.words(form["lang"])), {})
        try:
            form["lang"] = self.language(form, accept)
        except BookletError as exc:
            form["lang"] = "en"
            return form, None, PageAnswer(400, form_.said(exc, self.words("en")), {})
        return form, logo, None

    async def make(
        self, form: dict[str, str], logo: bytes | None, previews: bool, pdf: bool, zoom: int = 0
    ) -> PageAnswer:
        """Render the form in the jail, and say how it went: 400 for anything in the form,
        503 when busy or too slow, 500 only for a bug. Renders with a logo wait in a shorter
        queue of their own."""
        words = self.words(form["lang"])
        if logo and self.logo_renders >= LOGO_BACKLOG + self.pool.size:
            return PageAnswer(503, form_.Said("", "", words_of(words, "busy")), {})
        self.logo_renders += 1 if logo else 0
        try:
            return await self.render(form, logo, previews, pdf, zoom, words)
        finally:
            self.logo_renders -= 1 if logo else 0

    async def render(
        self,
        form: dict[str, str],
        logo: bytes | None,
        previews: bool,
        pdf: bool,
        zoom: int,
        words: Words,
    ) -> PageAnswer:
        import anyio

        from booklet.base.jail import Busy

        try:
            problem = form_.field_problem(form)
            if problem is not None:
                raise problem
            form_.picked_techniques(form, self.translated[form["lang"]])
            limits = self.limits.more_memory(form_.LOGO_ALLOWANCE) if logo else None
            job = self.pool.submit(form_.page_task, form, logo, previews, pdf, zoom,
                                   label=form_.render_label(form), limits=limits)  # fmt: skip
            try:
                with anyio.fail_after(form_.TIME_LIMIT):
                    return PageAnswer(200, None, await asyncio.wrap_future(job))
            except TimeoutError:
                job.cancel()
                return PageAnswer(503, form_.Said("", "", words_of(words, "too_long")), {})
        except Busy:
            return PageAnswer(503, form_.Said("", "", words_of(words, "busy")), {})
        except BookletError as exc:
            return PageAnswer(400, form_.said(exc, words), {})
        except Exception:
            return PageAnswer(500, form_.Said("", "", words_of(words, "internal")), {})

    def known_sizes(self, form: dict[str, str]) -> list[str]:
        """The sizes already known to fit the form's choices, without a render (for a form
        that was refused: it may not cost a render); every size when not known yet."""
        return list(self.sizes.get(sizes_key(form), EVERY_SIZE))

    async def fitting(self, form: dict[str, str], client: str = "") -> list[str]:
        """The sizes the form's routine fits in its layout and language ("" the layout's
        own), asked of the jail once per routine, layout and language (people asking at
        once share the asking); every size when that cannot be told. The `client` who sets
        the asking going pays for its renders from their rate limit; a layout or routine
        the library does not have costs none (the preview says so at its field)."""
        key = sizes_key(form)
        if key in self.sizes:
            self.sizes.move_to_end(key)
            return self.sizes[key]
        asking = self.asking.get(key)
        if asking is None:
            known = form.get("layout", "") in ("", *self.card_layouts, *self.book_layouts)
            known = known and form.get("routine", "classic") in self.library.routines
            if not known or (client and self.limit.wait(client, len(EVERY_SIZE) - 1)):
                return list(EVERY_SIZE)
            asking = self.asking[key] = asyncio.ensure_future(self.probe(form))
            asking.add_done_callback(lambda _: self.asking.pop(key, None))
        try:
            fits = await asyncio.shield(asking)
        except Exception:  # busy, slow or a bad layout: offer every size, and say it at once
            return list(EVERY_SIZE)
        self.sizes[key] = fits  # none at all: the layout's own, and its message at the field
        while len(self.sizes) > SIZE_MEMORY:
            self.sizes.popitem(last=False)
        return fits

    async def probe(self, form: dict[str, str]) -> list[str]:
        """Each size tried in the jail, one after another: a preview asked meanwhile waits
        behind one try at most, never behind all of them."""
        import anyio

        fits = []
        for size in EVERY_SIZE:
            job = self.pool.submit(form_.size_fits_task, form, size,
                                   label=form_.render_label(form))  # fmt: skip
            with anyio.fail_after(form_.TIME_LIMIT):
                if await asyncio.wrap_future(job):
                    fits.append(size)
        return fits

    # --- what the page shows -------------------------------------------------------------------

    def page_html(self, form: dict[str, str], made: PageAnswer, sizes: list[str]) -> str:
        code = form["lang"]
        library = self.translated[code]
        words = library.page_words
        images = form_.data_urls(made.answer.get("previews", []))
        field = made.said.field if made.said is not None else ""
        clients = form_.client_keys()
        return self.templates.get_template("page.html").render(
            form=form,
            w=words,
            lang=code,
            direction=library.words.direction,
            said=made.said,
            fields=form_.page_fields(words, library.words),
            kind=form_.kind_of(form),
            techniques=[{**t, "name": library.techniques[t["id"]].name} for t in self.pictures],
            routines=sorted(library.routines.values(), key=lambda r: r.id),
            card_layouts=self.card_layouts,
            book_layouts=self.book_layouts,
            sizes=form_.SIZES,
            fits=sizes,
            products=form_.PRODUCTS,
            books=form_.BOOKS,
            on_sheets=form_.ON_SHEETS,
            papers=SHEETS,
            languages=self.language_names(),
            images=images,
            picks_open=field.startswith("at-")
            or any(form.get(k) for k in form if k.startswith("at-")),
            client_open=field in clients or any(form.get(k) for k in clients),
        )

    def language_names(self) -> list[tuple[str, str]]:
        from booklet.data.language import language_name

        return [(code, language_name(code)[1]) for code in self.codes]


def sizes_key(form: dict[str, str]) -> tuple[Any, ...]:
    """What the sizes that fit depend on: the kind of product, the routine or the techniques
    picked, the layout and the language."""
    picks = tuple(sorted((k, v) for k, v in form.items() if k.startswith("at-") and v))
    return (form_.kind_of(form), form.get("routine"), picks, form.get("layout"), form["lang"])


def words_of(words: Words, key: str) -> str:
    return form_.words_error(words, key)


# --- the routes --------------------------------------------------------------------------------


def json_answer(made: PageAnswer, **more: Any) -> JSONResponse:
    from starlette.responses import JSONResponse

    said = made.said
    body = {
        "images": form_.data_urls(made.answer.get("previews", [])),
        "error": made.error,
        "field": said.field if said else "",
        "message": said.text if said else "",
        **more,
    }
    headers = {"Retry-After": retry_after(made.retry)} if made.status == 429 else None
    return JSONResponse(body, status_code=made.status, headers=headers)


def routes(site: Site) -> list[Any]:
    """Every address the page answers at, each a small handler over the site."""
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    async def page(request: Request) -> Response:
        if request.method == "POST":
            form, logo, failed = await site.read(request)
            who = client_of(request.scope, site.proxies)
        else:  # a first visit: the page as it starts, made once for each language
            form = {"lang": site.language({}, request.headers.get("accept-language", ""))}
            logo, failed, who = None, site.first_pages.get(form["lang"]), ""
        if failed is not None:  # refused, or made before: no render for it now
            made, fits = failed, site.known_sizes(form)
        else:  # the preview and the sizes that fit are made side by side
            made, fits = await asyncio.gather(
                site.make({"routine": "classic", **form}, logo, True, False),
                site.fitting(form, who),
            )
            if request.method == "GET" and made.status == 200:
                site.first_pages[form["lang"]] = made
        html = site.page_html(form, made, fits)
        return HTMLResponse(html, status_code=made.status, headers=SECURITY_HEADERS)

    async def preview(request: Request) -> Response:
        form, logo, failed = await site.read(request)
        return json_answer(failed or await site.make(form, logo, True, False))

    async def zoom(request: Request) -> Response:
        form, logo, failed = await site.read(request)
        number = (form.get("zoom") or "1").strip()
        page_number = int(number) if number.isdigit() and len(number) < 4 else 1
        page_number = min(max(page_number, 1), form_.MAX_ZOOM_PAGE)
        return json_answer(failed or await site.make(form, logo, False, False, page_number))

    async def sizes(request: Request) -> Response:
        form, _, failed = await site.read(request)
        if failed is not None:
            return json_answer(failed)
        fits = await site.fitting(form, client_of(request.scope, site.proxies))
        return JSONResponse({"sizes": [s for s in fits if s], "own": "" in fits})

    async def download(request: Request) -> Response:
        form, logo, failed = await site.read(request)
        made = failed or await site.make(form, logo, False, True)
        if made.status != 200:  # the form comes back with its values, the message at its field
            who = client_of(request.scope, site.proxies)
            fits = site.known_sizes(form) if failed else await site.fitting(form, who)
            html = site.page_html(form, made, fits)
            headers = dict(SECURITY_HEADERS)
            if made.status == 429:
                headers["Retry-After"] = retry_after(made.retry)
            return HTMLResponse(html, status_code=made.status, headers=headers)
        name = form_.download_name_safe(str(made.answer.get("name", "")))
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(made.answer["pdf"], media_type="application/pdf", headers=headers)

    async def health(request: Request) -> Response:
        pool = site.pool
        alive = not pool.closed and pool.thread is not None and pool.thread.is_alive()
        body = {"ok": alive, "workers": pool.size, "busy": pool.busy(), "backlog": BACKLOG}
        return JSONResponse(body, status_code=200 if alive else 503)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATICS:
            return Response(status_code=404)
        cache = {"Cache-Control": "no-cache"}
        return Response(site.statics[name], media_type=STATICS[name], headers=cache)

    async def favicon(request: Request) -> Response:
        return Response(site.statics["favicon.svg"], media_type="image/svg+xml")

    return [
        Route("/", page, methods=["GET", "POST"]),
        Route("/preview", preview, methods=["POST"]),
        Route("/zoom", zoom, methods=["POST"]),
        Route("/sizes", sizes, methods=["POST"]),
        Route("/pdf", download, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/static/{name}", static),
    ]


def create_app(
    roots: list[Any],
    port: int = 0,
    lang: str | None = None,
    *,
    workers: int | None = None,
    hosts: tuple[str, ...] = (),
    proxies: tuple[str, ...] = (),
    rate: tuple[float, float] | None = None,
) -> Any:
    """The ASGI app, its routes behind the host check and the same-origin check: `lang` is
    the language the form starts in (--lang; else the browser's), `workers` how many renders
    run at once (default: the machine's cores), `hosts` the names it answers at besides this
    machine's loopback names, `proxies` the addresses whose X-Forwarded-For names the client,
    `rate` the rate limit per client (renders a second, and how many at once). `port` is
    the port it is served on (the page needs nothing of it)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    site = Site(roots, lang, workers, proxies, rate)

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        try:
            yield
        finally:
            site.pool.close()

    app = Starlette(
        routes=routes(site),
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(hosts))],
        lifespan=lifespan,
    )
    wrapped = SameOrigin(app)
    wrapped.pool = site.pool  # for whoever runs the server: close it when done
    wrapped.site = site
    return wrapped
