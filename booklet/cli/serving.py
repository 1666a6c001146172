"""`booklet serve`: the whole tool as a page in the browser, on this machine only."""

from __future__ import annotations

import click

from booklet.base.errors import BookletError
from booklet.cli.app import State, cli, pass_state

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but this machine's own (127.0.0.1) lets other "
    "computers use the page; booklet warns when you do.",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@pass_state
def serve(state: State, port: int, host: str, no_browser: bool) -> None:
    """Open booklet as a page in your browser: choose, personalise, preview and download.

    Needs the web extra: pip install 'massage-booklet[web]'. Stop it with Ctrl-C.

    \b
    Example:
      booklet serve                      # opens http://127.0.0.1:8765/
      booklet serve --port 9000 --no-browser
    """
    try:
        import uvicorn  # noqa: F401

        from booklet.web.app import create_app
        from booklet.web.server import run
    except ImportError:
        raise BookletError(
            "the browser page needs the web extra: pip install 'massage-booklet[web]'."
        ) from None
    if host not in LOOPBACK:
        click.echo(
            f"Warning: listening on {host}: other computers on this network can use the page.",
            err=True,
        )
    import gc

    gc.enable()  # a server runs long: collect as usual
    app = create_app(state.library_roots, port, state.lang)
    url = f"http://127.0.0.1:{port}/"
    click.echo(f"booklet is at {url} (Ctrl-C stops it)", err=True)
    if not no_browser:
        import threading
        import webbrowser

        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    run(app, host, port)
