"""`booklet serve`: the page answers on loopback only, refuses other sites, escapes what it
prints, and works in a real browser (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest

from tests.helpers import CHROMIUM_ARGS, page_texts

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server():
    from booklet.web.app import create_app
    from booklet.web.server import server_config

    port = free_port()
    app = create_app([], port, rate=(50.0, 500.0))  # every test is one client: 127.0.0.1
    running = uvicorn.Server(server_config(app, "127.0.0.1", port))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(100):
        if running.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=5)
    app.pool.close()


def test_the_page_answers_on_loopback_and_refuses_other_hosts(server):
    assert httpx.get(server + "/").status_code == 200
    assert httpx.get(server + "/", headers={"Host": "evil.example"}).status_code == 400


def test_a_form_from_another_site_is_refused(server):
    data = {"routine": "gentle"}
    assert (
        httpx.post(
            server + "/pdf", data=data, headers={"Origin": "http://evil.example"}
        ).status_code
        == 403
    )
    crossed = httpx.post(server + "/pdf", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert crossed.status_code == 403
    same = httpx.post(server + "/pdf", data=data, headers={"Origin": server})
    assert same.status_code == 200 and same.content.startswith(b"%PDF")


def test_the_form_posts_without_scripts_and_returns_the_pdf(server, tmp_path):
    answer = httpx.post(server + "/pdf", data={"routine": "gentle", "title": "A card for Sam"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    (tmp_path / "c.pdf").write_bytes(answer.content)
    front = page_texts(tmp_path / "c.pdf")[0]
    assert "A card for Sam" in front and "17 minutes" in front


def test_what_the_page_prints_back_is_escaped_and_errors_are_the_clis(server):
    page = httpx.post(server + "/", data={"routine": "classic", "title": '"><script>x()</script>'})
    assert "<script>x()" not in page.text and "&lt;script&gt;" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    answer = httpx.post(server + "/preview", data={"routine": "classic", "title": "x" * 300})
    assert answer.json()["error"] == "Title: is 300 characters long; the limit is 120. Shorten it."
    assert answer.json()["field"] == "title" and answer.status_code == 400
    booklet = httpx.post(server + "/preview", data={"routine": "classic", "product": "folded"})
    assert len(booklet.json()["images"]) == 10  # 20 pages, two a side, five sheets


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=list(CHROMIUM_ARGS),
        )
        yield launched
        launched.close()


def test_in_a_browser_choose_type_see_and_download(server, browser, tmp_path):
    page = browser.new_page()
    page.goto(server + "/")
    for label in ("Routine", "Layout", "Size", "Title"):
        assert page.get_by_label(label, exact=True).count() == 1, label
    first = page.get_by_alt_text("Preview", exact=False).first
    before = first.get_attribute("src")
    page.get_by_label("Routine", exact=True).select_option("gentle")
    page.get_by_label("Title", exact=True).fill("A card for Sam")
    started = time.monotonic()
    page.wait_for_function(
        "src => document.querySelector('#previews img') &&"
        " document.querySelector('#previews img').src !== src",
        arg=before,
        timeout=5000,
    )
    assert time.monotonic() - started < 5
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    saved = tmp_path / "download.pdf"
    download.value.save_as(saved)
    front = page_texts(saved)[0]
    assert "A card for Sam" in front and "17 minutes" in front
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    page.close()


def test_by_keyboard_and_at_phone_width(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/")
    wide = page.evaluate("document.scrollingElement.scrollWidth")
    assert wide <= 390  # nothing runs off a phone's screen sideways
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "lang"  # the language comes first
    visited = []
    for _ in range(60):  # every control in turn; the client's section opens from the keyboard
        page.keyboard.press("Tab")
        active = page.evaluate("document.activeElement.id || document.activeElement.tagName")
        visited.append(active)
        if active == "SUMMARY" and page.evaluate(
            "document.activeElement.parentElement.id === 'client-details'"
        ):
            page.keyboard.press("Enter")  # its summary: open it
        if active == "download":
            break
    assert visited[-1] == "download", visited
    assert {"routine", "product", "layout", "size", "title", "for", "message"} <= set(visited)
    assert {"client", "therapist", "link", "logo", "minutes"} <= set(visited)
    assert visited.index("lang" if "lang" in visited else "routine") < visited.index("title")
    page.close()


def test_by_keyboard_a_page_opens_large_closes_and_the_pdf_downloads(server, browser):
    page = browser.new_page()
    page.goto(server + "/")
    for _ in range(80):  # to the first page of the preview
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('page')"):
            break
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#zoom').open", timeout=5000)
    assert page.evaluate("document.activeElement.id") == "zoom-close"
    page.keyboard.press("Escape")
    assert not page.evaluate("document.querySelector('#zoom').open")
    assert page.evaluate("document.activeElement.dataset.page") == "1"  # back where it was
    page.focus("#download")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")
    page.close()


def test_on_a_phone_the_preview_follows_a_change(server, browser):
    """Below the fields, a strip with the first page stays in view, and takes you there;
    while a field is typed in, it steps aside, so it never covers that field."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/")
    page.get_by_label("For", exact=True).fill("Sam")
    strip = page.locator("#peek")
    page.evaluate("document.activeElement.blur()")  # done typing (the keyboard closes)
    strip.wait_for(state="visible", timeout=5000)
    page.get_by_label("From", exact=True).focus()  # typing again: it would cover the field
    strip.wait_for(state="hidden", timeout=2000)
    page.evaluate("document.activeElement.blur()")
    strip.wait_for(state="visible", timeout=2000)
    box = strip.bounding_box()
    assert box["y"] + box["height"] <= 844 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    strip.click()
    page.wait_for_function(
        "document.querySelector('#previews img').getBoundingClientRect().top < 844"
    )
    page.close()


def test_techniques_picked_and_ordered_replace_the_routine(server, tmp_path):
    form = {"routine": "classic", "at-raking": "1", "at-fan-stroke": "2"}
    answer = httpx.post(server + "/pdf", data=form)
    assert answer.status_code == 200
    (tmp_path / "p.pdf").write_bytes(answer.content)
    front = " ".join(page_texts(tmp_path / "p.pdf")[0].split())
    assert front.index("Raking") < front.index("Fan stroke") and "Pétrissage" not in front
    bad = httpx.post(server + "/preview", data={"at-raking": "x"}).json()
    assert bad["error"] == "Raking: its position must be a number from 1 to 12."


def test_readable_at_200_percent_zoom(server, browser):
    """200% zoom on a 1280 px window leaves 640 CSS px: the sections wrap, nothing is cut."""
    page = browser.new_page(viewport={"width": 640, "height": 800}, device_scale_factor=2)
    page.goto(server + "/")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 640
    sections = page.locator("main section")
    boxes = [sections.nth(i).bounding_box() for i in range(sections.count())]
    assert len(boxes) == 3 and all(b["x"] >= 0 and b["x"] + b["width"] <= 640 for b in boxes)
    assert boxes[2]["y"] > boxes[0]["y"]  # the preview wraps under the choices
    button = page.get_by_role("button", name="Download PDF").bounding_box()
    assert button["x"] >= 0 and button["x"] + button["width"] <= 640
    page.close()


def test_the_language_select_prints_the_card_in_that_language(server, tmp_path):
    page = httpx.get(server + "/").text
    assert '<option value="es" lang="es">español</option>' in page
    answer = httpx.post(server + "/pdf", data={"routine": "gentle", "lang": "es"})
    assert answer.status_code == 200
    (tmp_path / "es.pdf").write_bytes(answer.content)
    front = page_texts(tmp_path / "es.pdf")[0]
    assert "17 minutos" in front and "minutes" not in front
    bad = httpx.post(server + "/preview", data={"routine": "gentle", "lang": "xx"}).json()
    assert bad["error"].startswith("Language: there is no language 'xx' here; choose en,")
    assert bad["field"] == "lang"


def test_an_uploaded_logo_prints_on_the_handout(server, tmp_path):
    import io

    from PIL import Image

    from tests.helpers import rasterize

    picture = io.BytesIO()
    Image.new("RGB", (300, 120), (0, 120, 90)).save(picture, "PNG")
    form = {"routine": "gentle", "therapist": "Ana Ruiz, LMT", "client": "Sam"}
    sent = httpx.post(server + "/pdf", data=form, files={"logo": ("l.png", picture.getvalue())})
    plain = httpx.post(server + "/pdf", data=form, files={"logo": ("", b"")})  # none chosen
    assert sent.status_code == plain.status_code == 200
    greens = []
    for answer in (sent, plain):
        image = rasterize(answer.content, dpi=30)
        counts = {colour: n for n, colour in image.getcolors(maxcolors=1 << 20)}
        greens.append(counts.get((0, 120, 90), 0))
    assert greens[0] > 50 and greens[1] == 0  # the logo's own colour, only where it was sent
    bad = httpx.post(server + "/preview", data=form, files={"logo": ("x.png", b"not an image")})
    assert bad.json()["error"] == (
        "Logo: the logo is not a PNG or JPEG image. Save the logo as PNG."
    )
    huge = httpx.post(
        server + "/preview", data=form, files={"logo": ("x.png", b"\x89PNG" + b"0" * 5_000_000)}
    )
    assert "The form is too large" in huge.json()["error"]


# --- the page in the reader's language ---------------------------------------------------------

TRANSLATED = ("es", "fr", "de", "pt", "he", "ar")
RIGHT_TO_LEFT = ("he", "ar")


def visible_words(page) -> list[str]:
    """Every label, heading, summary and button the page shows, in order."""
    return page.evaluate(
        """() => [...document.querySelectorAll('label, h1, h2, summary, button, legend')]
            .filter(e => e.offsetParent !== null && e.textContent.trim())
            .map(e => e.textContent.trim())"""
    )


@pytest.fixture(scope="module")
def english_words(server, browser):
    page = browser.new_page()
    page.goto(server + "/")
    words = visible_words(page)
    page.close()
    return words


@pytest.mark.parametrize("code", TRANSLATED)
def test_switching_language_translates_every_visible_label(server, browser, english_words, code):
    page = browser.new_page()
    page.goto(server + "/")
    page.get_by_label("For", exact=True).fill("Sam")
    page.select_option("#lang", code)
    page.wait_for_function(f"() => document.documentElement.lang === '{code}'", timeout=10000)
    words = visible_words(page)
    assert len(words) == len(english_words)
    same = [w for w, e in zip(words, english_words, strict=True) if w == e]
    assert same == [], same  # every one differs from English
    direction = "rtl" if code in RIGHT_TO_LEFT else "ltr"
    assert page.evaluate("document.documentElement.dir") == direction
    assert page.input_value("#for") == "Sam"  # nothing typed is lost
    title = page.title()
    assert title and "back-massage" not in title
    routine = page.locator("#routine option").first.text_content()
    assert routine and routine != "Classic back massage"
    page.close()


def pdftotext(path) -> str:
    """A PDF's text as poppler reads it, every line joined."""
    import subprocess

    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout  # fmt: skip
    return " ".join(text.split())


def test_a_card_with_for_and_from_prints_both_names_and_a_heart(server, browser, tmp_path):
    page = browser.new_page()
    page.goto(server + "/")
    page.get_by_label("For", exact=True).fill("Samira")
    page.get_by_label("From", exact=True).fill("Alexandre")
    page.get_by_label("Message", exact=True).fill("Pour toi ❤")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    saved = tmp_path / "names.pdf"
    download.value.save_as(saved)
    text = pdftotext(saved)
    assert "Samira" in text and "Alexandre" in text and "Pour toi ❤" in text
    page.close()


@pytest.mark.slow
def test_a_booklet_offers_a_sign_off_in_its_words_and_a_card_keeps_it_aside(
    server, browser, tmp_path
):
    page = browser.new_page()
    page.goto(server + "/")
    assert not page.is_visible("#sign_off")  # a card has no dedication to sign
    page.get_by_label("From", exact=True).fill("Alexandre")
    page.select_option("#product", "book")
    assert page.is_visible("#sign_off")
    texts = page.locator("#sign_off option").all_text_contents()
    assert texts == ["Your name alone", "With love, Alexandre", "Warmly, Alexandre",
                     "With thanks, Alexandre", "Best wishes, Alexandre"]  # fmt: skip
    page.select_option("#sign_off", "love")
    page.wait_for_function(
        "() => document.querySelector('#previews').classList.contains('spreads') &&"
        " document.querySelectorAll('#previews img').length >= 8",
        timeout=30000,
    )  # a booklet's pages face each other, the cover alone
    with page.expect_download(timeout=30000) as download:
        page.get_by_role("button", name="Download PDF").click()
    saved = tmp_path / "book.pdf"
    download.value.save_as(saved)
    assert "With love, Alexandre" in pdftotext(saved)
    page.select_option("#product", "card")
    assert not page.is_visible("#sign_off") and page.input_value("#sign_off") == "love"
    page.wait_for_function(
        "() => !document.querySelector('#previews').classList.contains('spreads')", timeout=30000
    )
    assert not page.is_disabled("#download")  # a card ignores the sign-off it cannot print
    page.close()


def test_after_an_error_the_values_stay_download_is_disabled_and_the_message_is_at_its_field(
    server, browser
):
    page = browser.new_page()
    page.goto(server + "/")
    page.get_by_label("For", exact=True).fill("Sam")
    page.get_by_label("Message", exact=True).fill("Play it: \U0001d11e")
    slot = page.locator("#message-error")
    slot.wait_for(state="visible", timeout=5000)
    assert slot.text_content() == "\U0001d11e cannot be printed; please remove it."
    assert page.get_attribute("#message", "aria-invalid") == "true"
    assert page.is_disabled("#download")
    assert page.input_value("#for") == "Sam"
    assert "stale" in page.get_attribute("#previews", "class")  # the last good preview, dimmed
    page.get_by_label("Message", exact=True).fill("Play it softly")
    page.wait_for_function("() => !document.querySelector('#download').disabled", timeout=5000)
    assert page.locator("#message-error").text_content() == ""
    assert "stale" not in (page.get_attribute("#previews", "class") or "")
    page.close()


def test_without_scripts_an_error_brings_the_form_back_with_its_values(server):
    form = {"routine": "gentle", "for": "Sam", "message": "\U0001d11e", "lang": "fr"}
    answer = httpx.post(server + "/pdf", data=form)
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert '<html lang="fr"' in html and 'value="Sam"' in html
    assert '<option value="gentle" selected>' in html
    assert 'id="message-error" role="status">\U0001d11e ne peut pas être imprimé' in html
    assert 'id="download" disabled' in html


def test_a_heart_in_a_message_prints(server, tmp_path):
    answer = httpx.post(server + "/pdf", data={"message": "With love ❤️ ★ ✓ ✿ ☺ 😀 👍"})
    assert answer.status_code == 200
    (tmp_path / "heart.pdf").write_bytes(answer.content)
    front = page_texts(tmp_path / "heart.pdf")[0]
    for glyph in "❤★✓✿☺😀👍":
        assert glyph in front, glyph


def test_previews_are_readable_and_a_page_opens_large(server, browser):
    page = browser.new_page()
    page.goto(server + "/")
    first = page.locator("#previews img").first
    assert page.evaluate("img => img.naturalWidth", first.element_handle()) >= 400
    first.click()
    page.wait_for_function("() => document.querySelector('#zoom').open", timeout=5000)
    big = page.evaluate("document.querySelector('#zoom img').naturalWidth")
    assert big >= 800
    page.keyboard.press("Escape")
    assert not page.evaluate("document.querySelector('#zoom').open")
    page.close()


def test_fields_follow_the_product(server, browser):
    page = browser.new_page()
    page.goto(server + "/")
    assert not page.is_visible("#paper")
    page.select_option("#product", "sheet")
    assert page.is_visible("#paper")
    sheets = page.locator("#paper option").all_text_contents()
    assert sheets == ["Letter (8.5 × 11 in)", "A4 (210 × 297 mm)", "A3 (297 × 420 mm)",
                      "Tabloid (11 × 17 in)", "A5 (148 × 210 mm)"]  # fmt: skip
    page.select_option("#product", "book")
    assert not page.is_visible("#paper")
    layouts = page.evaluate(
        "[...document.querySelectorAll('#layout optgroup:not([disabled]) option')]"
        ".map(o => o.textContent)"
    )
    assert layouts == ["Gift booklet"]
    page.close()


# --- sizes that fit ------------------------------------------------------------------------


def offered_sizes(html: str) -> set[str]:
    import re

    options = re.findall(
        r'<option value="([^"]+)"([^>]*)>', html.split('id="size"')[1].split("</select>")[0]
    )
    return {value for value, rest in options if "disabled" not in rest}


@pytest.mark.parametrize("code", ("en", *TRANSLATED))
def test_the_page_offers_a6_only_where_the_bedside_card_fits_it(server, code, tmp_path):
    page = httpx.post(server + "/", data={"lang": code, "routine": "classic"}, timeout=30).text
    offered = offered_sizes(page)
    form = {"lang": code, "routine": "classic", "size": "a6"}
    made = httpx.post(server + "/pdf", data=form, timeout=30)
    assert ("a6" in offered) == (made.status_code == 200), (code, offered)
    assert offered >= {"5x7", "a5"}
    if made.status_code != 200:  # refused at its field, in its language
        assert 'id="size" name="size" aria-invalid="true"' in made.text
        assert 'id="size-error" role="status">' in made.text


def sizes_made(layout: str, lang: str) -> tuple[list[str], bool]:
    """The named sizes the library itself makes the classic routine in, with that layout, and
    whether it makes it at the layout's own size."""
    from booklet.base.errors import BookletError
    from booklet.data.library import load_library
    from booklet.web.form import SIZES, made_from

    library = load_library([]).in_language(lang)
    made = []
    for size in ("", *SIZES):
        try:
            _, _, facts = made_from(library, {"routine": "classic", "layout": layout, "size": size})
        except BookletError:
            continue
        if "larger_than_its_own" not in facts:  # made at its own size, not a larger one
            made.append(size)
    return [s for s in made if s], "" in made


@pytest.mark.parametrize(("layout", "lang"), [("large-print", "de"), ("compact", "fr"),
                                              ("bedside", "pt")])  # fmt: skip
def test_sizes_follow_routine_layout_and_language(server, layout, lang):
    from booklet.web.form import SIZES

    form = {"layout": layout, "lang": lang}
    answer = httpx.post(server + "/sizes", data=form, timeout=30).json()
    sizes, own = sizes_made(layout, lang)
    assert (answer["sizes"], answer["own"]) == (sizes, own)
    assert answer["sizes"] != list(SIZES)  # some do not fit: the page does not offer them


def test_a_layout_whose_own_size_does_not_fit_starts_at_one_that_does(server, browser):
    """The compact card's own 3x5 in holds the safety set in English only: in French the
    page moves to the first size that fits, and no error is shown on the way."""
    page = browser.new_page()
    page.goto(server + "/")
    page.select_option("#lang", "fr")
    page.wait_for_function("() => document.documentElement.lang === 'fr'", timeout=10000)
    before = page.get_attribute("#previews img", "src")
    page.evaluate(
        """() => { window.said = [];
            new MutationObserver(() => window.said.push(
                document.querySelector('#message-area').textContent))
            .observe(document.querySelector('#message-area'),
                     {childList: true, characterData: true, subtree: true}); }"""
    )  # every message shown on the way
    page.select_option("#layout", "compact")
    page.wait_for_function("() => document.querySelector('#size').value !== ''", timeout=30000)
    assert page.input_value("#size") == "4x6"
    assert page.evaluate("document.querySelector('#size option[value=\"\"]').disabled")
    page.wait_for_function(
        "src => document.querySelector('#previews img').src !== src", arg=before, timeout=30000
    )
    page.wait_for_timeout(500)
    assert page.locator("#size-error").text_content() == ""
    assert [said for said in page.evaluate("window.said") if said] == []
    assert not page.is_disabled("#download")
    page.close()


# --- the page on a network ---------------------------------------------------------------------


def test_health_and_favicon(server):
    health = httpx.get(server + "/health")
    assert health.status_code == 200 and health.json()["ok"] is True
    icon = httpx.get(server + "/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in icon.content


def test_the_rate_limit_counts_each_client_and_refills():
    from booklet.web.guard import RateLimit

    now = [0.0]
    limit = RateLimit(2.0, 3.0, clock=lambda: now[0])
    assert [limit.wait("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.wait("a") == pytest.approx(0.5)
    assert limit.wait("b") == 0.0  # another client has its own bucket
    now[0] = 0.5
    assert limit.wait("a") == 0.0
    assert limit.wait("b", cost=3.0) == 0.0  # refilled: three renders at once
    assert limit.wait("b", cost=2.0) == pytest.approx(1.0)  # none left: two take a second


def test_a_forwarded_address_counts_only_from_a_named_proxy():
    from booklet.web.guard import client_of

    scope = {"client": ("127.0.0.9", 5000), "headers": [(b"x-forwarded-for", b"1.2.3.4, 5.6.7.8")]}
    assert client_of(scope, frozenset()) == "127.0.0.9"  # anyone can write the header
    assert client_of(scope, frozenset({"127.0.0.9"})) == "5.6.7.8"  # what the proxy saw
    assert client_of({**scope, "headers": [(b"x-forwarded-for", b"junk")]},
                     frozenset({"127.0.0.9"})) == "127.0.0.9"  # fmt: skip


@pytest.fixture(scope="module")
def right_to_left():
    """The page over a library that adds to Hebrew (the built-in Hebrew's page words show)."""
    from starlette.testclient import TestClient

    from booklet.web.app import create_app
    from tests.helpers import FIXTURES

    app = create_app([FIXTURES / "scripts"], 0, workers=1)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            yield client
    finally:
        app.pool.close()


def test_a_right_to_left_language_gets_a_right_to_left_page(right_to_left):
    page = right_to_left.get("/", headers={"Accept-Language": "he-IL, en;q=0.5"}).text
    assert '<html lang="he" dir="rtl">' in page
    assert '<option value="he" lang="he" selected>' in page
    assert '<label for="for">עבור</label>' in page  # the page's own words, in Hebrew
    english = right_to_left.get("/").text
    assert '<html lang="en" dir="ltr">' in english


def test_the_logo_button_speaks_the_page_language(server):
    german = httpx.post(server + "/", data={"lang": "de"}, timeout=30).text
    assert 'class="file-button">Bild auswählen</label>' in german
    assert 'data-none="Kein Bild ausgewählt">Kein Bild ausgewählt</span>' in german


def test_a_refused_form_costs_no_render():
    """A form over the rate limit is answered from what is known: the sizes that fit are
    not asked of the workers for it."""
    from starlette.testclient import TestClient

    from booklet.web.app import create_app

    app = create_app([], 0, rate=(0.01, 8.5), workers=1)  # one /sizes: 1 + 7 renders
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            first = client.post("/sizes", data={"layout": "compact"})
            refused = client.post("/", data={"layout": "large-print", "lang": "fr"})
        assert first.status_code == 200 and refused.status_code == 429
        assert len(app.site.sizes) == 1  # the first form's sizes only
        assert 'id="download" disabled' in refused.text
    finally:
        app.pool.close()


def test_sizes_cost_their_renders_and_a_name_the_library_lacks_costs_none():
    """Asking which sizes fit makes up to eight renders: the client who sets it going pays
    for them from its rate limit, and a layout that does not exist is never tried."""
    from starlette.testclient import TestClient

    from booklet.web.app import create_app
    from booklet.web.form import SIZES

    app = create_app([], 0, rate=(0.01, 6.0), workers=1)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            unknown = client.post("/sizes", data={"layout": "no-such-layout"}).json()
            poor = client.post("/sizes", data={"layout": "compact"}).json()
            first = client.get("/").text
            again = client.get("/").text  # the page as it starts: made once per language
        everything = {"sizes": list(SIZES), "own": True}
        assert unknown == poor == everything  # not known: every size, said at the field later
        assert list(app.site.sizes) == [("card", None, (), None, "en")]  # the first page's
        assert first == again and list(app.site.first_pages) == ["en"]
    finally:
        app.pool.close()


def test_too_many_renders_from_one_client_are_told_to_wait():
    from booklet.web.app import create_app

    app = create_app([], 0, rate=(0.1, 2.0), workers=1)
    try:
        from starlette.testclient import TestClient

        with TestClient(app, base_url="http://127.0.0.1") as client:
            codes = [client.post("/preview", data={"routine": "short"}) for _ in range(3)]
        assert [c.status_code for c in codes] == [200, 200, 429]
        assert int(codes[2].headers["retry-after"]) >= 1
        assert (
            codes[2].json()["error"] == "Too many changes at once. Wait a moment, then try again."
        )
    finally:
        app.pool.close()


@pytest.mark.slow
def test_serve_answers_at_the_host_it_is_given_and_prints_that_address(tmp_path):
    import subprocess
    import sys

    from tests.helpers import REPO

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "booklet", "serve", "--no-browser", "--host", "127.0.0.2",
         "--allow-host", "127.0.0.2", "--port", str(port)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(server.stderr), daemon=True)
    reader.start()  # what it prints, read aside: a missing line fails, never hangs
    try:
        deadline, answer = time.monotonic() + 60, None
        while answer is None and time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.2:{port}/", timeout=30)
            except httpx.HTTPError:
                time.sleep(0.3)
        assert answer is not None and answer.status_code == 200 and "<html" in answer.text
        other = httpx.get(f"http://127.0.0.2:{port}/", headers={"Host": "evil.example"})
        assert other.status_code == 400
        assert f"booklet is at http://127.0.0.2:{port}/ (Ctrl-C stops it)\n" in said, said
        assert not any("Warning" in line for line in said), said  # 127.0.0.2 is this machine
    finally:
        server.terminate()
        server.wait(timeout=20)
