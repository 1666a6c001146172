"""`booklet init` and `booklet new`: commented starting points for a user library."""

from __future__ import annotations

from pathlib import Path
from string import Template

from booklet.base.errors import BookletError
from booklet.base.files import read_text_bounded, write_atomic
from booklet.data.schema import id_problem

STARTER = Path(__file__).parent / "starter_files"
EXAMPLE_TECHNIQUE = "shoulder-glide"
EXAMPLE_ROUTINE = "my-routine"
EXAMPLE_LAYOUT = "my-card"


# The example's names in each language the starter files are written in.
EXAMPLE_NAMES = {
    "ar": ("تمسيد الكتفين", "روتيني الخاص"),
    "de": ("Schulterstreichen", "Mein Ablauf"),
    "en": ("Shoulder glide", "My routine"),
    "es": ("Deslizamiento sobre los hombros", "Mi rutina"),
    "fr": ("Glissé des épaules", "Ma séance"),
    "he": ("החלקת הכתפיים", "הרצף שלי"),
    "pt": ("Deslizamento nos ombros", "Minha rotina"),
}
STARTER_LANGUAGES = tuple(sorted(EXAMPLE_NAMES))


def starter_language(lang: str | None) -> str:
    """The language to write starter files in; a clear error for one they are not in."""
    chosen = lang or "en"
    if chosen not in EXAMPLE_NAMES:
        raise BookletError(
            f"the starter files are not written in '{chosen}'. Choose one of "
            f"{', '.join(STARTER_LANGUAGES)}, or start in English and add a language folder "
            "(see the README's Languages section).",
            field="lang",
        )
    return chosen


def _text(file: str, lang: str = "en", **values: str) -> str:
    folder = STARTER if lang == "en" else STARTER / lang
    text = read_text_bounded(folder / file, 64 * 1024, kind="starter files")
    return Template(text).substitute(values, lang=lang)


def _title(ident: str) -> str:
    return ident.replace("-", " ").capitalize()


def _write_new(files: dict[Path, str]) -> list[Path]:
    """Write files that must not exist yet; refuse before writing anything: a file that is
    there already, or a file where a folder must go."""
    clash = [p for p in files if p.exists() or p.is_symlink()]
    if clash:
        raise BookletError(
            "already exists; nothing was written. Choose another name or folder.", file=clash[0]
        )
    for path in files:
        for folder in path.parents:
            if folder.exists() and not folder.is_dir():
                raise BookletError(
                    "is a file, not a folder; nothing was written. Choose another folder.",
                    file=folder,
                )
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BookletError(
                f"cannot create this folder: {exc.strerror or exc}.", file=path.parent
            ) from None
        write_atomic(path, text.encode("utf-8"))
    return list(files)


def init_library(root: Path, lang: str | None = None) -> list[Path]:
    """A starting library written in `lang`: its technique and routine say so (`lang:`), so
    cards in that language print them as they are."""
    lang = starter_language(lang)
    technique, routine = EXAMPLE_NAMES[lang]
    files = {
        root / "techniques" / f"{EXAMPLE_TECHNIQUE}.yaml": _text(
            "technique.yaml", lang, id=EXAMPLE_TECHNIQUE, name=technique
        ),
        root / "techniques" / "routines" / f"{EXAMPLE_ROUTINE}.yaml": _text(
            "routine.yaml", lang, name=routine, technique=EXAMPLE_TECHNIQUE
        ),
        root / "layouts" / EXAMPLE_LAYOUT / "layout.yaml": _text("layout.yaml", lang),
        root / "layouts" / EXAMPLE_LAYOUT / "title.j2": _text("title.j2", lang),
    }
    return _write_new(files)


def new_file(kind: str, ident: str, root: Path, lang: str | None = None) -> Path:
    lang = starter_language(lang)
    problem = id_problem(ident)
    if problem:
        raise BookletError(problem.replace("Rename the file.", "Choose another id."))
    if kind == "technique":
        path = root / "techniques" / f"{ident}.yaml"
        text = _text("technique-new.yaml", lang, id=ident, name=_title(ident))
    else:
        path = root / "techniques" / "routines" / f"{ident}.yaml"
        text = _text("routine.yaml", lang, name=_title(ident), technique="fan-stroke")
    return _write_new({path: text})[0]
