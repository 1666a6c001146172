"""booklet: print-ready back-massage routine cards and gift booklets.

The Python API is small: describe what to make as a `Job`, and `make` it. Every render runs in
the jail (booklet.base.jail), exactly as it does from the command line, a batch or the page.

    >>> import booklet
    >>> made = booklet.make(booklet.Job("card", routine="gentle"))
    >>> made.name, made.pages
    ('gentle-bedside-5x7.pdf', 2)

`booklet.options("card")` lists what a card takes: every option of `booklet card --help`, by
the key a Job's `options` use.
"""

import sys as _sys

if _sys.argv[:1] == ["-m"]:  # `python -m booklet`, while it looks for the module: before any
    # other import, the folder it was started in leaves the import path, where a module
    # someone left (a __future__.py, a typing.py) would be imported in place of the real one
    # and run unconfined (found by attack). Only booklet's own checkout, run from its top
    # folder, keeps it. A program that imports booklet keeps its path as it is.
    import os as _os

    _here = _os.getcwd()
    if _here != _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))):
        _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or _os.curdir) != _here]

from typing import TYPE_CHECKING, Any  # noqa: E402

from booklet.base.version import __version__  # noqa: E402

__all__ = ["BookletError", "Job", "Made", "OptionError", "__version__", "make", "options"]

if TYPE_CHECKING:
    from booklet.base.errors import BookletError
    from booklet.products.jobs import Job, Made, make
    from booklet.products.requests import OptionError

_LAZY = {
    "BookletError": "booklet.base.errors",
    "Job": "booklet.products.jobs",
    "Made": "booklet.products.jobs",
    "make": "booklet.products.jobs",
    "OptionError": "booklet.products.requests",
}


def options(product: str = "card") -> list[dict[str, Any]]:
    """The options a product ("card" or "book") takes: key, help, choices and limit text."""
    from booklet.products.options import options_for

    return [
        {"key": o.key, "help": o.help, "choices": list(o.choices), "limit": o.limit_text}
        for o in options_for(product)
    ]


def __getattr__(name: str) -> Any:
    """The API's names, imported when first used: `import booklet` stays quick."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'booklet' has no attribute {name!r}")
