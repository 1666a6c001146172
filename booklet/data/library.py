"""Finding and loading techniques, routines, layouts and the setting.

The built-in library comes first, then each user library in the order given; a later one wins
by id. A library folder has this shape (every part optional in a user library):

    techniques/*.yaml           one technique per file, named by its id
    techniques/routines/*.yaml  routines
    techniques/_setting.yaml    the shared setup and safety text
    techniques/_words.yaml      the words layouts print (booklet.data.language)
    techniques/_page.yaml       the words of the page `booklet serve` shows
    techniques/LANG/            a language's words and translations (es/, fr/, ...)
    layouts/NAME/layout.yaml    layouts, each with its Jinja2 snippets beside it
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from booklet.base.errors import BookletError, Problem, ValidationError
from booklet.data.language import (
    ENGLISH,
    PAGE_FILE,
    WORDS_FILE,
    LanguagePack,
    Words,
    parse_routine_text,
    parse_setting_text,
    parse_technique_text,
    parse_words,
    translate_routine,
    translate_technique,
)
from booklet.data.model import (
    Plan,
    Routine,
    Setting,
    Technique,
    is_language_code,
    plan_routine,
    plan_techniques,
)
from booklet.data.schema import (
    MAX_ROUTINE_STEPS,
    did_you_mean,
    duplicate_ids,
    id_problem,
    parse_routine,
    parse_setting,
    parse_technique,
)
from booklet.data.yamlfile import Document, load_yaml

DATA_SUFFIXES = (".yaml", ".yml")
SETTING_FILE = "_setting.yaml"
BUILTIN = "built-in"


def builtin_root() -> Path:
    """Inside an installed wheel the data sits in booklet/builtin; in a checkout, at the top
    level of the repository."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "builtin"
    if (packaged / "techniques").is_dir():
        return packaged
    return package.parent


def library_paths_from_env() -> list[Path]:
    value = os.environ.get("BOOKLET_LIBRARY", "")
    return [Path(p) for p in value.split(os.pathsep) if p]


def entries(folder: Path) -> list[Path]:
    """A folder's entries, sorted; an unreadable folder is the user's problem to fix, named."""
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        raise BookletError(
            f"cannot read this folder: {exc.strerror or exc}.", file=folder
        ) from None


def data_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [
        p
        for p in entries(folder)
        if p.suffix in DATA_SUFFIXES and p.is_file() and not p.name.startswith((".", "_"))
    ]


@dataclass
class Library:
    techniques: dict[str, Technique] = field(default_factory=dict)
    routines: dict[str, Routine] = field(default_factory=dict)
    layouts: dict[str, list[Path]] = field(default_factory=dict)
    layout_origins: dict[str, str] = field(default_factory=dict)
    setting: Setting | None = None
    roots: list[Path] = field(default_factory=list)
    loaded_layouts: dict[str, Any] = field(default_factory=dict, repr=False)
    # layout.yaml files already read (booklet.layout.spec.read_ahead): a render handed this
    # library reads no YAML of its own
    layout_documents: dict[Path, Document] = field(default_factory=dict, repr=False)
    english_words: dict[str, Any] = field(default_factory=dict)
    english_page: dict[str, Any] = field(default_factory=dict)
    languages: Mapping[str, LanguagePack] = field(default_factory=dict)
    lang: str = ENGLISH
    words: Words = field(default_factory=lambda: Words(ENGLISH, {}, {}))
    in_english: list[str] = field(default_factory=list)  # what a language left in English
    # every technique and routine file's id, even one with problems (its own problems say
    # what is wrong; a routine or translation naming it is not "unknown" as well)
    technique_files: set[str] = field(default_factory=set)
    routine_files: set[str] = field(default_factory=set)
    english: Library | None = field(default=None, repr=False)  # the library before translation

    @property
    def page_words(self) -> Words:
        """The words of the page `booklet serve` shows, in this library's language over
        English (a key the language lacks shows in English)."""
        pack = self.languages.get(self.lang)
        return Words(self.lang, pack.page if pack is not None else {}, self.english_page)

    @property
    def language_codes(self) -> list[str]:
        return [ENGLISH, *sorted(self.languages)]

    def in_language(self, code: str | None) -> Library:
        """This library in another language: every translated text in its words, the rest in
        English (listed in `in_english`, for a note). English is the library itself."""
        if code is None or code == self.lang:
            return self
        if self.english is not None:  # translate from the English, never from a translation
            return self.english.in_language(code)
        if code != ENGLISH and code not in self.languages:
            hint = did_you_mean(code, self.languages)
            raise BookletError(
                f"no language '{code}'.{hint} Known: {', '.join(self.language_codes)}. "
                "See `booklet languages`; to add one, see the README's Languages section.",
                field="lang",
            )
        if code == ENGLISH:
            return self
        pack = self.languages[code]
        lost: list[str] = []
        techniques = {}
        for ident, tech in self.techniques.items():
            if tech.lang == code and ident not in pack.techniques:  # written in it already
                techniques[ident] = tech
                continue
            techniques[ident], missing = translate_technique(tech, pack.techniques.get(ident))
            lost += [f"technique {ident}" + ("" if m == "all" else f" ({m})") for m in missing]
        routines = {}
        for ident, routine in self.routines.items():
            if routine.lang == code and ident not in pack.routines:
                routines[ident] = routine
                continue
            routines[ident], missing = translate_routine(routine, pack.routines.get(ident))
            lost += [f"routine {ident}" + ("" if m == "all" else f" ({m})") for m in missing]
        if pack.setting is None:
            lost.append("the setting (_setting.yaml)")
        words = Words(code, pack.words, self.english_words)
        lost += [f"word {k}" for k in self.english_words if k not in pack.words]
        return replace(
            self,
            techniques=techniques,
            routines=routines,
            setting=pack.setting or self.setting,
            lang=code,
            words=words,
            in_english=lost,
            english=self,
        )

    def technique(self, ident: str) -> Technique:
        if ident not in self.techniques:
            raise BookletError(
                f"no technique '{ident}'.{did_you_mean(ident, self.techniques)} "
                f"Known: {', '.join(sorted(self.techniques))}. See `booklet techniques`."
            )
        return self.techniques[ident]

    def routine(self, ident: str) -> Routine:
        if ident not in self.routines:
            raise BookletError(
                f"no routine '{ident}'.{did_you_mean(ident, self.routines)} "
                f"Known: {', '.join(sorted(self.routines))}. See `booklet routines`."
            )
        return self.routines[ident]

    def plan(self, routine: str | None, techniques: Sequence[str] = ()) -> Plan:
        """What to print: the techniques picked with -t, else the routine (default `classic`)."""
        if techniques:
            if routine:
                raise BookletError("give either a routine or -t techniques, not both.")
            if len(techniques) > MAX_ROUTINE_STEPS:
                raise BookletError(
                    f"{len(techniques)} techniques given; the limit is {MAX_ROUTINE_STEPS}. "
                    "Split them over several cards or booklets."
                )
            chosen = [self.technique(t) for t in techniques]
            return plan_techniques(
                chosen, self.words.text("default_title") if len(chosen) > 1 else None
            )
        return plan_routine(self.routine(routine or "classic"), self.techniques)

    def require_setting(self) -> Setting:
        if self.setting is None:  # only possible if the built-in data were removed
            raise BookletError(f"no {SETTING_FILE} found in any library.")
        return self.setting


def load_library(user_roots: Iterable[Path] = (), *, every_language: bool = False) -> Library:
    """Load the built-in library and the user ones over it, reporting every problem at once.

    A language's files are read when that language is first asked for (a card in English
    reads no French), unless `every_language` (what `validate` checks). Nothing is cached
    between runs: whatever booklet read back from disk would have to be trusted, and parsing
    these few small files costs a few milliseconds."""
    library, problems = _parse_library(_roots(user_roots))
    if problems:
        raise ValidationError(problems)
    if every_language:
        assert isinstance(library.languages, Languages)
        library.languages.parse_all()
    return library


def load_library_in_part(user_roots: Iterable[Path] = ()) -> tuple[Library, list[Problem]]:
    """What of the libraries loads, and the problems that kept the rest out (for `validate`,
    which reports the problems but still checks other files against every good technique and
    layout). Never for rendering: a library with problems renders nothing."""
    library, problems = _parse_library(_roots(user_roots))
    assert isinstance(library.languages, Languages)
    try:
        library.languages.parse_all()
    except ValidationError as exc:
        problems += exc.problems
    return library, problems


def _roots(user_roots: Iterable[Path]) -> list[tuple[Path, str]]:
    """The built-in library, then each user one over it, with where each comes from."""
    roots = [(builtin_root(), BUILTIN)]
    for root in user_roots:
        if not root.is_dir():
            raise BookletError(
                "library folder not found. Create it with `booklet init` or fix the path.",
                file=root,
            )
        roots.append((root, str(root)))
    return roots


def _parse_library(roots: list[tuple[Path, str]]) -> tuple[Library, list[Problem]]:
    lib = Library()
    problems: list[Problem] = []
    tech_docs = []
    stems = lib.technique_files
    for root, origin in roots:
        lib.roots.append(root)
        files = data_files(root / "techniques")
        problems.extend(duplicate_ids(files))
        for path in files:
            tech_docs.append((load_or_note(path, problems), origin))
            if id_problem(path.stem) is None:
                stems.add(path.stem)
        setting_path = root / "techniques" / SETTING_FILE
        if setting_path.is_file():
            doc = load_or_note(setting_path, problems)
            if doc is not None:
                lib.setting = parse_setting(doc, problems) or lib.setting
        words_path = root / "techniques" / WORDS_FILE
        if words_path.is_file():
            doc = load_or_note(words_path, problems)
            if doc is not None:
                english = lib.english_words or None  # the built-in catalogue is the reference
                lib.english_words.update(parse_words(doc, problems, english) or {})
        read_words(root / "techniques" / PAGE_FILE, lib.english_page, None, problems)
        layouts_dir = root / "layouts"
        if layouts_dir.is_dir():
            for sub in entries(layouts_dir):
                if (sub / "layout.yaml").is_file():
                    lib.layouts.setdefault(sub.name, []).append(sub)
                    lib.layout_origins[sub.name] = origin
    for doc, origin in tech_docs:
        if doc is not None:
            tech = parse_technique(doc, problems, origin)
            if tech is not None:
                lib.techniques[tech.id] = tech
    # Routines are read after every technique, so a user routine may use a user technique;
    # one whose file has problems is not "unknown" as well (its own problems say what is wrong).
    ids = set(lib.techniques)
    for root, origin in roots:
        files = data_files(root / "techniques" / "routines")
        problems.extend(duplicate_ids(files))
        for path in files:
            lib.routine_files.add(path.stem)
            doc = load_or_note(path, problems)
            if doc is not None:
                routine = parse_routine(doc, problems, origin, ids, stems)
                if routine is not None:
                    lib.routines[routine.id] = routine
    folders: dict[str, list[Path]] = {}
    for root, _origin in roots:
        for folder in language_folders(root / "techniques"):
            if folder.name == ENGLISH:  # a mistake to name now, whichever language is asked
                load_language(lib, folder, problems)
                continue
            folders.setdefault(folder.name, []).append(folder)
    lib.languages = Languages(lib, folders)
    lib.words = Words(ENGLISH, {}, lib.english_words)
    return lib, problems


class Languages(Mapping[str, LanguagePack]):
    """Each language's text across the libraries, parsed when that language is first asked
    for: its codes are known from the folders alone, so listing them reads no file. A pack
    whose files have problems raises them (all of that language's) when it is asked for."""

    def __init__(self, english: Library, folders: dict[str, list[Path]]) -> None:
        self._english = english
        self._folders = folders
        self._packs: dict[str, LanguagePack] = {}

    def __getitem__(self, code: str) -> LanguagePack:
        pack = self._packs.get(code)
        if pack is None:
            if code not in self._folders:
                raise KeyError(code)
            problems: list[Problem] = []
            pack = _parse_pack(self._english, code, self._folders[code], problems)
            if problems:
                raise ValidationError(problems)
            self._packs[code] = pack
        return pack

    def __iter__(self) -> Iterator[str]:
        return iter(self._folders)

    def __len__(self) -> int:
        return len(self._folders)

    def __contains__(self, code: object) -> bool:
        return code in self._folders

    def parse_all(self) -> None:
        """Every language now, with every problem of every language reported together."""
        problems: list[Problem] = []
        for code in self._folders:
            if code not in self._packs:
                try:
                    self[code]
                except ValidationError as exc:
                    problems += exc.problems
        if problems:
            raise ValidationError(problems)


def _parse_pack(
    english: Library, code: str, folders: list[Path], problems: list[Problem]
) -> LanguagePack:
    """One language's folders, in library order, checked against the English library."""
    holder = Library(english_words=english.english_words, english_page=english.english_page)
    for folder in folders:
        load_language(holder, folder, problems)
    pack = holder.languages.get(code) or LanguagePack(code)
    problems += translation_problems(english, pack)
    return pack


def translation_problems(lib: Library, pack: LanguagePack) -> list[Problem]:
    """A translation of a technique or routine no library has, or a note for a step the
    routine lacks."""
    problems: list[Problem] = []
    for ident, text in pack.techniques.items():
        if ident not in lib.techniques and ident not in lib.technique_files:
            problems.append(
                Problem(
                    f"translates technique '{ident}', which no library has."
                    f"{did_you_mean(ident, lib.techniques)} Name the file after the "
                    "English one.",
                    text.path,
                )
            )
    for ident, rtext in pack.routines.items():
        if ident not in lib.routines and ident not in lib.routine_files:
            problems.append(
                Problem(
                    f"translates routine '{ident}', which no library has."
                    f"{did_you_mean(ident, lib.routines)} Name the file after the "
                    "English one.",
                    rtext.path,
                )
            )
        elif (
            ident in lib.routines
            and rtext.notes
            and max(rtext.notes) > len(lib.routines[ident].steps)
        ):
            problems.append(
                Problem(
                    f"has a note for step {max(rtext.notes)}; routine '{ident}' has "
                    f"{len(lib.routines[ident].steps)} steps.",
                    rtext.path,
                    None,
                    "notes",
                )
            )
    return problems


def language_folders(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in entries(folder) if p.is_dir() and is_language_code(p.name)]


def load_language(lib: Library, folder: Path, problems: list[Problem]) -> None:
    """One library's folder for a language, over what earlier libraries gave it."""
    code = folder.name
    if code == ENGLISH:
        problems.append(
            Problem(
                "English is the techniques folder itself; put English text there, not in en/.",
                folder,
            )
        )
        return
    languages = lib.languages
    assert isinstance(languages, dict)  # a library being read, not a loaded one's Languages
    pack = languages.setdefault(code, LanguagePack(code))
    pack.folders.append(folder)
    words_path = folder / WORDS_FILE
    if words_path.is_file():
        doc = load_or_note(words_path, problems)
        if doc is not None:
            pack.words.update(parse_words(doc, problems, lib.english_words) or {})
            pack.words_paths.append(words_path)
    read_words(folder / PAGE_FILE, pack.page, lib.english_page, problems)
    setting_path = folder / SETTING_FILE
    if setting_path.is_file():
        doc = load_or_note(setting_path, problems)
        if doc is not None:
            pack.setting = parse_setting_text(doc, problems) or pack.setting
    files = data_files(folder)
    problems.extend(duplicate_ids(files))
    for path in files:
        doc = load_or_note(path, problems)
        if doc is not None:
            text = parse_technique_text(doc, problems)
            if text is not None:
                pack.techniques[text.id] = text
    for path in data_files(folder / "routines"):
        doc = load_or_note(path, problems)
        if doc is not None:
            rtext = parse_routine_text(doc, problems)
            if rtext is not None:
                pack.routines[rtext.id] = rtext


def read_words(
    path: Path, into: dict[str, Any], english: dict[str, Any] | None, problems: list[Problem]
) -> None:
    """A words catalogue file, if there is one, over what earlier libraries gave; checked
    against English (`english`), or, for English itself, against the built-in file."""
    if not path.is_file():
        return
    doc = load_or_note(path, problems)
    if doc is not None:
        reference = english if english is not None else (into or None)
        into.update(parse_words(doc, problems, reference) or {})


def load_or_note(path: Path, problems: list[Problem]) -> Document | None:
    try:
        return load_yaml(path)
    except BookletError as exc:
        problems.append(exc.problem)
        return None
