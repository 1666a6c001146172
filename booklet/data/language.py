"""Languages: the words layouts print, and translations of a library's own text.

A library's `techniques/` folder holds English; a folder named by a language code beside it
(`techniques/es/`) holds that language, with the same shape and only the words:

    es/_words.yaml          the catalogue: every word a layout prints (keys as in _words.yaml)
    es/_page.yaml           every word of the page `booklet serve` shows (keys as in _page.yaml)
    es/_setting.yaml        the setup and safety text, every field
    es/<technique>.yaml     a technique's text fields (name, summary, steps, ...)
    es/routines/<id>.yaml   a routine's title, description and step notes

Anything a language lacks prints in English: a technique without its file, a key missing from
the catalogue. `booklet validate` lists each, per language. Plain data files, not gettext: a
therapist adds a language by copying one folder and editing YAML, with no tool to compile.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from booklet.base.errors import Problem
from booklet.data.model import Routine, Setting, Technique
from booklet.data.yamlfile import Document, join

if TYPE_CHECKING:  # for its name only: Babel is imported when a language needs it
    from babel import Locale

ENGLISH = "en"
WORDS_FILE = "_words.yaml"
PAGE_FILE = "_page.yaml"  # the words of the page `booklet serve` shows, in the same format
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
TECHNIQUE_TEXT = (
    "name",
    "short_name",
    "summary",
    "pressure_note",
    "position",
    "steps",
    "cautions",
    "muscles",
)
TECHNIQUE_LISTS = ("steps", "cautions", "muscles")
ROUTINE_TEXT = ("title", "description", "notes")
MAX_WORD = 400
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def fill(text: str, values: Mapping[str, str]) -> str:
    """`{name}` replaced by its value. Never str.format: a catalogue comes from strangers, and
    format's `{n.__class__}` would reach into objects."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


# --- the catalogue -----------------------------------------------------------------------------

# Notes a problem with a catalogue: its path in the file, and the message.
Report = Callable[[str, str], None]


def words_shape(value: Any) -> str:
    """What a catalogue value is: text, a list of text, plural forms, or a group of texts."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping) and value and set(value) <= set(PLURAL_FORMS):
        return "plural"
    return "group"


def parse_words(
    doc: Document, problems: list[Problem], english: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """A catalogue, checked against English (the reference) when one is given: known keys,
    the same shape, and every {placeholder} kept."""

    def problem(path: str, message: str) -> None:
        problems.append(Problem(message, doc.path, doc.line(path), path or None))

    if not isinstance(doc.data, dict):
        problem("", "expected the words of a language, as `key: text` lines.")
        return None
    out: dict[str, Any] = {}
    for key, value in doc.data.items():
        key = str(key)
        reference = english.get(key) if english is not None else None
        if english is not None and key not in english and key != "direction":
            from booklet.data.schema import did_you_mean

            problem(
                key,
                f"unknown key '{key}'.{did_you_mean(key, english)} Use the keys of "
                "the English techniques/_words.yaml.",
            )
            continue
        if key == "direction":
            if value not in ("ltr", "rtl"):
                problem(key, "must be ltr (left to right) or rtl (right to left).")
                continue
            out[key] = value
            continue
        checked = _word_value(value, reference, key, problem)
        if checked is not None:
            out[key] = checked
    return out


def _word_value(value: Any, reference: Any, path: str, problem: Report) -> Any:
    shape = words_shape(value)
    if reference is not None:
        want = words_shape(reference)
        if want == "plural" and shape == "text":
            value, shape = {"other": value}, "plural"
        if shape != want:
            kinds = {
                "text": "a text",
                "list": "a list",
                "plural": "plural forms",
                "group": "a group of texts",
            }
            problem(path, f"expected {kinds[want]}, as in English, got {kinds[shape]}.")
            return None
    if shape == "text":
        return _word_text(value, reference, path, problem)
    if shape == "list":
        if reference is not None and len(value) != len(reference):
            problem(path, f"needs {len(reference)} items, as in English; it has {len(value)}.")
            return None
        items = [_word_text(v, None, join(path, i), problem) for i, v in enumerate(value)]
        return None if any(i is None for i in items) else tuple(items)
    if shape == "plural":
        if "other" not in value:
            problem(path, "needs an `other` form: the one used when no other form fits.")
            return None
        ref = reference.get("other") if isinstance(reference, dict) else None
        forms = {k: _word_text(v, ref, join(path, k), problem) for k, v in value.items()}
        return None if None in forms.values() else MappingProxyType(forms)
    if not isinstance(value, dict):
        problem(path, "expected text.")
        return None
    group: dict[str, str] = {}
    for key, item in value.items():
        ref = reference.get(str(key)) if isinstance(reference, Mapping) else None
        if isinstance(reference, Mapping) and str(key) not in reference:
            problem(join(path, str(key)), f"unknown key '{key}'. Use: {', '.join(reference)}.")
            continue
        text = _word_text(item, ref, join(path, str(key)), problem)
        if text is not None:
            group[str(key)] = text
    return MappingProxyType(group)


def _word_text(value: Any, reference: Any, path: str, problem: Report) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        problem(path, "expected text.")
        return None
    if len(value) > MAX_WORD:
        problem(path, f"is {len(value)} characters long; the limit is {MAX_WORD}.")
        return None
    if isinstance(reference, str):
        lost = placeholders(reference) - placeholders(value)
        if lost:
            names = ", ".join("{" + n + "}" for n in sorted(lost))
            problem(
                path,
                f"lost {names}: keep each {{…}} of the English text, where the language puts it.",
            )
            return None
    return value


class Words:
    """One language's catalogue over English: what every layout prints, in that language."""

    def __init__(self, lang: str, values: Mapping[str, Any], english: Mapping[str, Any]):
        self.lang = lang
        merged = dict(english)
        for key, value in values.items():
            if isinstance(value, Mapping) and words_shape(value) == "group":
                merged[key] = MappingProxyType({**english.get(key, {}), **value})
            else:
                merged[key] = value
        self.values = MappingProxyType(merged)
        self.own = frozenset(values)
        self._key = (lang, repr(sorted((k, repr(v)) for k, v in merged.items())))

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and other._key == self._key

    @property
    def direction(self) -> str:
        given = self.values.get("direction")
        return given if given in ("ltr", "rtl") else languagefirst_strong(self.lang)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def text(self, key: str, **values: Any) -> str:
        return say(self.values, self.lang, key, None, values)

    def count(self, key: str, n: float, **values: Any) -> str:
        """A text that depends on a number, in the language's plural form for it."""
        return say(self.values, self.lang, key, n, values)

    def group(self, key: str) -> Mapping[str, str]:
        value = self.values.get(key)
        return value if isinstance(value, Mapping) else MappingProxyType({})

    def item(self, key: str, sub: str) -> str:
        return self.group(key).get(sub, sub)

    def items(self, key: str) -> tuple[str, ...]:
        value = self.values.get(key)
        return tuple(value) if isinstance(value, tuple | list) else ()

    def number(self, n: float) -> str:
        return shown(n, self.values)

    def date(self, day: datetime.date) -> str:
        months = self.items("months")
        month = months[day.month - 1] if len(months) == 12 else str(day.month)
        return self.text("date", day=str(day.day), month=month, year=str(day.year))

    def join(self, items: list[str]) -> str:
        """`a, b and c` in the language's words."""
        if len(items) < 2:
            return "".join(items)
        comma = self.text("list_comma")  # "، " in Arabic
        own = self.direction  # each item of the other direction isolated on its own, not
        parts = [  # the list so far as one value (its commas would join the other direction)
            f"\u2068{item}\u2069" if first_strong(item) not in (None, own) else item
            for item in items
        ]
        return say(self.values, self.lang, "list_and", None, {}, raw={
            "a": comma.join(parts[:-1]), "b": parts[-1]})  # fmt: skip

    def fields(self) -> Mapping[str, Any]:
        """Plain data for snippets: the catalogue, its language and direction."""
        return MappingProxyType({**self.values, "lang": self.lang, "direction": self.direction})


def shown(value: Any, values: Mapping[str, Any]) -> str:
    """A value as printed: numbers with the language's decimal sign (7,5), text as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{value:g}"
    decimal = str(values.get("decimal", "."))
    return text.replace(".", decimal) if decimal != "." else text


def say(
    values: Mapping[str, Any],
    lang: str,
    key: str,
    n: float | None,
    given: Mapping[str, Any],
    raw: Mapping[str, str] | None = None,
) -> str:
    """A catalogue text with its {placeholders} filled; for a number n, in the plural form
    the language uses for it. Pure, so snippets may call it as the `say` filter. A value of
    the other direction from the sentence is isolated; `raw` values are set as they are."""
    value = values.get(key, key)
    if isinstance(value, Mapping):
        form = plural_form(lang, n) if n is not None else "other"
        value = value.get(form) or value.get("other", key)
    filled = {k: _isolated_in(str(value), shown(v, values)) for k, v in given.items()}
    filled.update(raw or {})
    if n is not None:
        filled["n"] = shown(n, values)
    return fill(str(value), filled)


def first_strong(text: str) -> str | None:
    """'rtl' or 'ltr' from the first letter with a direction (Unicode's rule P2), else None.
    Here, below the text engine (booklet.text.scripts), so that `say` can ask it too."""
    import unicodedata

    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return None


def _isolated_in(sentence: str, value: str) -> str:
    """A value set into a sentence of the other direction, isolated (FSI ... PDI): "Maria
    Lopez (always), then rest." in a Hebrew sentence keeps its own direction on every line it
    is broken over, its full stop at its own end (found by attack)."""
    mine = first_strong(value)
    around = first_strong(re.sub(r"\{[^}]*\}", "", sentence))
    if mine is None or around is None or mine == around:  # "{a} · {b}" has no direction
        return value
    return f"\u2068{value}\u2069"


@cache
def _locale(lang: str) -> Locale | None:
    try:
        from babel import Locale, UnknownLocaleError
    except ImportError:  # pragma: no cover - babel is a dependency
        return None
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def plural_form(lang: str, n: float) -> str:
    """The CLDR plural category of n in the language (Babel's rules); English needs none."""
    if lang == ENGLISH:
        return "one" if n == 1 else "other"
    locale = _locale(lang)
    return locale.plural_form(n) if locale is not None else ("one" if n == 1 else "other")


def languagefirst_strong(lang: str) -> str:
    if lang == ENGLISH:
        return "ltr"
    locale = _locale(lang)
    if locale is not None and locale.character_order == "right-to-left":
        return "rtl"
    return "ltr"


def language_name(lang: str) -> tuple[str, str]:
    """(English name, own name) of a language, as far as Babel knows it."""
    locale = _locale(lang) if lang != ENGLISH else None
    if lang == ENGLISH:
        return "English", "English"
    if locale is None:
        return lang, lang
    return locale.get_display_name("en") or lang, locale.get_display_name() or lang


# --- translations of a library's text ----------------------------------------------------------


@dataclass(frozen=True)
class TechniqueText:
    id: str
    fields: Mapping[str, Any]
    path: Path


@dataclass(frozen=True)
class RoutineText:
    id: str
    title: str
    description: str | None
    notes: Mapping[int, str]
    path: Path


@dataclass
class LanguagePack:
    """One language's text across every library, later libraries winning item by item."""

    code: str
    words: dict[str, Any] = field(default_factory=dict)
    words_paths: list[Path] = field(default_factory=list)
    page: dict[str, Any] = field(default_factory=dict)  # the page's words (PAGE_FILE)
    setting: Setting | None = None
    techniques: dict[str, TechniqueText] = field(default_factory=dict)
    routines: dict[str, RoutineText] = field(default_factory=dict)
    folders: list[Path] = field(default_factory=list)


def parse_technique_text(doc: Document, problems: list[Problem]) -> TechniqueText | None:
    from booklet.data.schema import MAX_SHORT_NAME, MAX_TITLE, Reader

    r = Reader(doc, problems)
    if not isinstance(doc.data, dict):
        r.problem("", "expected a technique's translated fields (name, summary, steps, ...).")
        return None
    for key in doc.data:
        if key not in TECHNIQUE_TEXT:
            from booklet.data.schema import TECHNIQUE_OPTIONAL, TECHNIQUE_REQUIRED

            if key in TECHNIQUE_REQUIRED or key in TECHNIQUE_OPTIONAL:
                r.problem(
                    str(key),
                    f"'{key}' is not translated: it stays in the English file "
                    f"{doc.path.stem}.yaml. Remove it here.",
                )
            else:
                r.unknown_keys({key: None}, "", TECHNIQUE_TEXT)
    fields: dict[str, Any] = {}
    for key in TECHNIQUE_TEXT:
        if key not in doc.data:
            continue
        if key in TECHNIQUE_LISTS:
            fields[key] = r.text_list(doc.data, key, "", min_items=1)
        else:
            limits = {"name": MAX_TITLE, "short_name": MAX_SHORT_NAME, "summary": 200}
            limit = limits.get(key, 600)
            fields[key] = r.text(doc.data, key, "", limit=limit)
    if not r.ok:
        return None
    return TechniqueText(doc.path.stem, MappingProxyType(fields), doc.path)


def parse_routine_text(doc: Document, problems: list[Problem]) -> RoutineText | None:
    from booklet.data.schema import MAX_TITLE, Reader

    r = Reader(doc, problems)
    data = r.fields(doc.data, "", ("title",), ("description", "notes"), "a routine's translation")
    if data is None:
        return None
    title = r.text(data, "title", "", limit=MAX_TITLE)
    description = r.text(data, "description", "")
    notes: dict[int, str] = {}
    raw = data.get("notes", {})
    if not isinstance(raw, dict):
        r.problem("notes", "expected step numbers with their notes, like `1: Keep it soft.`")
    else:
        for number, text in raw.items():
            path = join("notes", str(number))
            if not isinstance(number, int) or isinstance(number, bool) or number < 1:
                r.problem(path, f"'{number}' is not a step number. Number steps from 1.")
                continue
            note = r.text_value(text, path)
            if note is not None:
                notes[number] = note
    if not r.ok or title is None:
        return None
    return RoutineText(doc.path.stem, title, description, MappingProxyType(notes), doc.path)


def translate_technique(tech: Technique, text: TechniqueText | None) -> tuple[Technique, list[str]]:
    """The technique in the translation's words; the English fields it lacks, by name."""
    if text is None:
        return tech, ["all"]
    changes = dict(text.fields)
    english = {k: getattr(tech, k) for k in TECHNIQUE_TEXT}
    missing = [k for k, v in english.items() if v and k not in changes]
    return tech._replace(**changes), missing


def translate_routine(routine: Routine, text: RoutineText | None) -> tuple[Routine, list[str]]:
    """The routine in the translation's words; what it left in English, by field."""
    if text is None:
        return routine, ["all"]
    numbered = list(enumerate(routine.steps, start=1))
    missing = [f"notes.{n}" for n, step in numbered if step.note and n not in text.notes]
    if routine.description and text.description is None:
        missing.append("description")
    steps = tuple(step._replace(note=text.notes.get(n, step.note)) for n, step in numbered)
    translated = routine._replace(
        title=text.title, description=text.description or routine.description, steps=steps
    )
    return translated, missing


def parse_setting_text(doc: Document, problems: list[Problem]) -> Setting | None:
    """A language's setting is a whole setting: the safety text is never half translated."""
    from booklet.data.schema import parse_setting

    return parse_setting(doc, problems)
