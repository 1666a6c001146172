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
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="A name the page answers at besides this machine's own (repeatable): the name "
    "people type, e.g. booklet.example.org behind a proxy. The --host address is one already.",
)
@click.option(
    "--proxy",
    "proxies",
    multiple=True,
    metavar="ADDR",
    help="The address of a reverse proxy in front of the page (repeatable): only its "
    "X-Forwarded-For names the client, for the rate limit.",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@pass_state
def serve(
    state: State,
    port: int,
    host: str,
    allow_hosts: tuple[str, ...],
    proxies: tuple[str, ...],
    no_browser: bool,
) -> None:
    """Open booklet as a page in your browser: choose, personalise, preview and download.

    Needs the web extra: pip install 'massage-booklet[web]'. Stop it with Ctrl-C. It reads
    your libraries once, as it starts: restart it to see your edits (`booklet validate` checks
    them first).

    \b
    Example:
      booklet serve                      # opens http://127.0.0.1:8765/
      booklet serve --port 9000 --no-browser
      booklet serve --host 0.0.0.0 --allow-host booklet.local   # for a practice's network
    """
    try:
        import uvicorn  # noqa: F401

        from booklet.web.app import create_app
        from booklet.web.server import run
    except ImportError:
        raise BookletError(
            "the browser page needs the web extra: pip install 'massage-booklet[web]'."
        ) from None
    if not is_loopback(host):
        click.echo(
            f"Warning: listening on {host}: other computers on this network can use the page.",
            err=True,
        )
    import gc

    gc.enable()  # a server runs long: collect as usual
    names = tuple(dict.fromkeys((*answered_names(host), *allow_hosts)))
    app = create_app(state.library_roots, port, state.lang, hosts=names, proxies=proxies)
    url = address(host, allow_hosts, port)
    click.echo(f"booklet is at {url} (Ctrl-C stops it)", err=True)
    if not no_browser:
        import threading
        import webbrowser

        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    run(app, host, port)


ANY = ("0.0.0.0", "::", "")


def is_loopback(host: str) -> bool:
    """This machine only: 127.0.0.0/8, ::1 or localhost."""
    import ipaddress

    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def answered_names(host: str) -> tuple[str, ...]:
    """The Host names a listening address answers to by itself: its own (but not "any")."""
    return () if host in ANY else (host,)


def address(host: str, allow_hosts: tuple[str, ...], port: int) -> str:
    """An address that works for the page: the one it listens on; when that is every
    address, the first name it answers at, else this machine's own."""
    name = host
    if host in ANY:
        name = allow_hosts[0] if allow_hosts else "127.0.0.1"
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return f"http://{name}:{port}/"
