"""Take the README's picture of `booklet serve` with the browser the tests use.

    pip install -e '.[test]' && python tools/web_screenshot.py   # writes docs/gallery/serve.png

It starts the page on a free loopback port, chooses the gentle routine and types who the card
is for, from whom, and a message with a heart, as tests/test_web.py does, and photographs the
page at a laptop's width.
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "gallery" / "serve.png"


def main() -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from booklet.web.app import create_app

    sys.path.insert(0, str(OUT.parents[2]))  # the checkout: the tests' launch arguments
    from tests.helpers import CHROMIUM_ARGS

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app([], port, "en")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"),
            headless=True,
            args=list(CHROMIUM_ARGS),
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/")
        before = page.get_attribute("#previews img", "src")
        page.get_by_label("Routine", exact=True).select_option("gentle")
        page.get_by_label("For", exact=True).fill("Sam")
        page.get_by_label("From", exact=True).fill("Alex")
        page.get_by_label("Message", exact=True).fill("For Sunday evenings ❤")
        page.wait_for_function(
            "src => document.querySelector('#previews img').src !== src", arg=before
        )
        page.wait_for_timeout(1500)  # the last keystroke's preview
        page.screenshot(path=str(OUT))
        browser.close()
    server.should_exit = True
    app.pool.close()
    print(OUT)


if __name__ == "__main__":
    sys.exit(main())
