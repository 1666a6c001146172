"""`booklet serve`: the page answers on loopback only, refuses other sites, escapes what it
prints, and works in a real browser (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time

import pytest

from tests.helpers import page_texts

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
    app = create_app([], port)
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
            args=["--no-sandbox", "--no-first-run", "--disable-sync", "--disable-quic"],
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
    assert page.evaluate("document.activeElement.id") == "routine"  # the first control
    visited = set()
    for _ in range(40):  # every control in turn, then the button
        page.keyboard.press("Tab")
        visited.add(page.evaluate("document.activeElement.id"))
        if page.evaluate("document.activeElement.textContent") == "Download PDF":
            break
    assert page.evaluate("document.activeElement.textContent") == "Download PDF"
    assert {"product", "layout", "size", "title", "client", "link", "logo", "lang"} <= visited
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
    sections = page.locator("main > section")
    boxes = [sections.nth(i).bounding_box() for i in range(sections.count())]
    assert len(boxes) == 3 and all(b["x"] >= 0 and b["x"] + b["width"] <= 640 for b in boxes)
    assert boxes[2]["y"] > boxes[0]["y"]  # "See it" wraps under the choices
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
    assert "the form is too large" in huge.json()["error"]
