"""Web links printed as QR codes: only http(s), no spaces or control characters, a sane length.

A link comes from a stranger's batch file or technique as easily as from the user, and a QR code
is followed on a phone without a second look; anything but a plain web address is refused."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LINK = 500  # characters; the printed size sets a tighter limit (booklet.draw.qr)


def link_problem(value: str) -> str | None:
    """What is wrong with a link, with the fix; None when it is a plain http(s) address."""
    if len(value) > MAX_LINK:
        return f"is {len(value)} characters long; the limit is {MAX_LINK}. Use a shorter link."
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "has spaces or control characters. Write the address without them (%20 for a space)."
    try:
        parts = urlsplit(value)
    except ValueError:
        return "is not a web address. Write it as https://example.org/page."
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "must be a web address starting with https:// or http://, e.g. https://example.org/page."
    if parts.username or parts.password:
        return "carries a user name or password. Leave them out of a printed link."
    return None
