"""Schema checks for the files people write. Every problem is collected, then raised once.

Each `parse_*` function reads a `Document` into a model object, noting problems on a shared
`Problems` list instead of stopping at the first; the caller raises `ValidationError` when the
list is not empty. Messages name the field, what was given and what is allowed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, overload

from booklet.base.errors import Problem, shown
from booklet.base.links import link_problem
from booklet.data.figure import SPINE_LEFT, SPINE_RIGHT, footprint, hand_footprint, spine_entry
from booklet.data.model import (
    CAUTION_ZONES,
    CONTACTS,
    HANDS,
    POINTING,
    PRESSURE_LEVELS,
    STROKE_KINDS,
    TECHNIQUE_KINDS,
    ZONES,
    Diagram,
    Point,
    Routine,
    RoutineStep,
    Setting,
    Stroke,
    Technique,
    is_language_code,
)
from booklet.data.yamlfile import Document, join

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_ID = 64
MAX_TEXT = 600
MAX_TITLE = 120
MAX_ITEMS = 40
MAX_POINTS = 64
MAX_ROUTINE_STEPS = 40
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def id_problem(ident: str) -> str | None:
    if len(ident) > MAX_ID:
        return (
            f"id '{shown(ident, 21)}' is longer than {MAX_ID} characters. Use a shorter file name."
        )
    if not ID_PATTERN.fullmatch(ident):
        suggestion = re.sub(r"[^a-z0-9]+", "-", ident.lower()).strip("-") or "my-technique"
        return (
            f"'{shown(ident, MAX_ID + 8)}' is not a valid id: use lower-case letters, digits and "
            f"single hyphens (e.g. '{suggestion}'). Rename the file."
        )
    return None


def type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ('{value[:30]}')"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    return type(value).__name__


_SEXAGESIMAL = re.compile(r"^[-+]?\d+(?::[0-5]?\d)+(?:\.\d*)?$")
_GROUPED = re.compile(r"^[-+]?\d[\d_,]*[_,]\d[\d_,]*(?:\.\d+)?$")


def number_hint(value: Any, path: str) -> str:
    """How to write a number that YAML 1.1 tools would have read differently."""
    if not isinstance(value, str):
        return ""
    name = path.rsplit(".", 1)[-1].split("[")[0] or "it"
    if _SEXAGESIMAL.match(value.strip()):
        return (
            f" Write {name} as a number, e.g. 1.5 for one and a half (some tools read "
            f"'{shown(value.strip())}' as a count in base 60)."
        )
    if _GROUPED.match(value.strip()):
        return f" Write {name} without '_' or ',', e.g. 1000 or 2.5."
    if value.strip().lower() in ("yes", "no", "on", "off", "y", "n"):
        return f" Write {name} as a number."
    return f" Write {name} as a number, e.g. 2 or 1.5."


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    import difflib  # only when there is a typo to suggest a fix for

    if len(str(word)) > 100:  # no name is this long: nothing to suggest, and no time spent
        return ""
    names = list(choices)
    match = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    if not match and len(str(word)) >= 3:  # a part of the name: `fan` for fan-stroke
        match = sorted(n for n in names if str(n).startswith(str(word)) or f"-{word}" in str(n))
    return f" Did you mean '{match[0]}'?" if match else ""


class Reader:
    """Reads fields of one document, noting each problem with its file, line and field path."""

    def __init__(self, doc: Document, problems: list[Problem]) -> None:
        self.doc = doc
        self.problems = problems
        self.count_before = len(problems)

    @property
    def ok(self) -> bool:
        return len(self.problems) == self.count_before

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(message, self.doc.path, self.doc.line(path), path or None))

    def fields(
        self, value: Any, path: str, required: Sequence[str], optional: Sequence[str], what: str
    ) -> dict[str, Any] | None:
        """Check a mapping's keys: every required one present, no unknown ones."""
        if not isinstance(value, dict):
            self.problem(path, f"expected the fields of {what}, got {type_name(value)}.")
            return None
        self.unknown_keys(value, path, [*required, *optional])
        for key in required:
            if key not in value:
                self.problem(path, f"missing required field '{key}'. Add it.")
        return value

    def unknown_keys(
        self, value: dict[str, Any], path: str, allowed: Sequence[str], noun: str = "field"
    ) -> None:
        """Every key not allowed is a problem, with the nearest allowed one as a hint."""
        for key in value:
            if key not in allowed:
                self.problem(
                    join(path, str(key)),
                    f"unknown {noun} '{shown(key)}'.{did_you_mean(str(key), allowed)} "
                    f"Allowed: {', '.join(allowed)}.",
                )

    def text(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        limit: int = MAX_TEXT,
        default: str | None = None,
    ) -> str | None:
        if key not in data:
            return default
        return self.text_value(data[key], join(path, key), limit=limit)

    def text_value(self, value: Any, path: str, *, limit: int = MAX_TEXT) -> str | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a title like "2024" is still text
        if not isinstance(value, str):
            self.problem(path, f"expected text, got {type_name(value)}.")
            return None
        value = unicodedata.normalize("NFC", value.strip())
        if not value:
            self.problem(path, "is empty. Write some text or remove the field.")
            return None
        bad = _CONTROL.search(value)
        if bad:
            self.problem(
                path,
                f"contains the control character U+{ord(bad.group()):04X}, which cannot be "
                "printed. Remove it.",
            )
            return None
        if len(value) > limit:
            self.problem(
                path, f"is {len(value)} characters long; the limit is {limit}. Shorten it."
            )
            return None
        return " ".join(value.split())

    def text_list(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        min_items: int = 0,
        default: Iterable[str] = (),
    ) -> tuple[str, ...]:
        if key not in data:
            return tuple(default)
        value, field_path = data[key], join(path, key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(field_path, f"expected a list of text lines, got {type_name(value)}.")
            return ()
        if len(value) < min_items:
            self.problem(field_path, f"needs at least {min_items} item(s); add them.")
        if len(value) > MAX_ITEMS:
            self.problem(field_path, f"has {len(value)} items; the limit is {MAX_ITEMS}.")
            return ()
        out = []
        for i, item in enumerate(value):
            text = self.text_value(item, join(field_path, i))
            if text is not None:
                out.append(text)
        return tuple(out)

    # A whole number is an int; any other number an int or a float, as the file wrote it.
    @overload
    def number(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        low: float,
        high: float,
        integer: Literal[True],
        default: int | None = None,
        unit: str = "",
    ) -> int | None: ...

    @overload
    def number(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        low: float,
        high: float,
        integer: Literal[False] = False,
        default: float | None = None,
        unit: str = "",
    ) -> float | None: ...

    def number(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        low: float,
        high: float,
        integer: bool = False,
        default: float | None = None,
        unit: str = "",
    ) -> float | None:
        if key not in data:
            return default
        return self.number_value(
            data[key], join(path, key), low=low, high=high, integer=integer, unit=unit
        )

    def number_value(
        self,
        value: Any,
        path: str,
        *,
        low: float,
        high: float,
        integer: bool = False,
        unit: str = "",
    ) -> float | None:
        kind = "a whole number" if integer else "a number"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and not isinstance(value, int))
        ):
            self.problem(
                path, f"expected {kind}, got {type_name(value)}.{number_hint(value, path)}"
            )
            return None
        if value != value or value in (float("inf"), float("-inf")):
            self.problem(path, f"{value} is not a number you can print. Write a plain number.")
            return None
        if not (low <= value <= high):
            self.problem(path, f"{value}{unit} is out of range: use {low:g} to {high:g}{unit}.")
            return None
        return value

    def boolean(self, data: dict[str, Any], key: str, path: str, *, default: bool) -> bool:
        if key not in data:
            return default
        value = data[key]
        if not isinstance(value, bool):
            self.problem(join(path, key), f"expected true or false, got {type_name(value)}.")
            return default
        return value

    def choice(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        choices: Sequence[str],
        noun: str,
        *,
        default: str | None = None,
    ) -> str | None:
        if key not in data:
            return default
        return self.choice_value(data[key], join(path, key), choices, noun)

    def choice_value(self, value: Any, path: str, choices: Sequence[str], noun: str) -> str | None:
        if value not in choices or not isinstance(value, str):
            given = value if isinstance(value, str) else type_name(value)
            what = "is not a level" if noun == "pressure level" else "is not known"
            label = "Pressure" if noun == "pressure level" else noun.capitalize()
            self.problem(
                path,
                f"{label} '{shown(given)}' {what}.{did_you_mean(given, choices)}"
                f" Use one of: {', '.join(choices)}.",
            )
            return None
        return value


# --- techniques -----------------------------------------------------------------------------

TECHNIQUE_REQUIRED = ("name", "summary", "kind", "pressure", "minutes", "steps")
MAX_SHORT_NAME = 24
TECHNIQUE_OPTIONAL = (
    "short_name",
    "pressure_note",
    "oil",
    "position",
    "cautions",
    "avoid",
    "source",
    "muscles",
    "video",
    "diagram",
    "lang",
)


def parse_technique(doc: Document, problems: list[Problem], origin: str) -> Technique | None:
    r = Reader(doc, problems)
    ident = doc.path.stem
    msg = id_problem(ident)
    if msg:
        r.problem("", msg)
    data = r.fields(doc.data, "", TECHNIQUE_REQUIRED, TECHNIQUE_OPTIONAL, "a technique")
    if data is None:
        return None
    name = r.text(data, "name", "", limit=MAX_TITLE)
    short_name = r.text(data, "short_name", "", default="", limit=MAX_SHORT_NAME)
    summary = r.text(data, "summary", "", limit=200)
    kind = r.choice(data, "kind", "", TECHNIQUE_KINDS, "kind")
    pressure = r.choice(data, "pressure", "", PRESSURE_LEVELS, "pressure level")
    minutes = r.number(data, "minutes", "", low=0.5, high=120, unit=" min")
    steps = r.text_list(data, "steps", "", min_items=1)
    pressure_note = r.text(data, "pressure_note", "", default="")
    oil = r.boolean(data, "oil", "", default=False)
    position = r.text(data, "position", "", default="")
    cautions = r.text_list(data, "cautions", "")
    avoid = zone_list(r, data, "avoid", "", ZONES)
    source = r.text(data, "source", "", default="")
    muscles = r.text_list(data, "muscles", "")
    video = r.text(data, "video", "", default="") or ""
    if video and (problem := link_problem(video)):
        r.problem("video", f"'{shown(video)}' {problem}")
    diagram = parse_diagram(r, data["diagram"], "diagram") if "diagram" in data else None
    lang = file_language(r, data)
    if (
        not r.ok
        or name is None
        or summary is None
        or kind is None
        or pressure is None
        or minutes is None
    ):
        return None
    return Technique(
        id=ident,
        name=name,
        summary=summary,
        kind=kind,
        pressure=pressure,
        pressure_note=pressure_note or "",
        minutes=minutes,
        oil=oil,
        position=position or "",
        steps=steps,
        cautions=cautions,
        avoid=avoid,
        source=source or "",
        diagram=diagram,
        origin=origin,
        path=doc.path,
        muscles=muscles,
        video=video,
        lang=lang,
        short_name=short_name or "",
    )


def file_language(r: Reader, data: dict[str, Any]) -> str:
    """A file's `lang:`, the language its text is written in (English when left out)."""
    lang = r.text(data, "lang", "", default="en", limit=20) or "en"
    if not is_language_code(lang):
        r.problem(
            "lang",
            f"'{shown(lang)}' is not a language code; write one such as en, es, fr, de, pt or "
            "pt-BR.",
        )
    return lang


def zone_list(
    r: Reader, data: dict[str, Any], key: str, path: str, zones: Sequence[str]
) -> tuple[str, ...]:
    if key not in data:
        return ()
    value, field_path = data[key], join(path, key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        r.problem(field_path, f"expected a list of zones, got {type_name(value)}.")
        return ()
    out = []
    for i, item in enumerate(value):
        zone = r.choice_value(item, join(field_path, i), zones, "zone")
        if zone:
            out.append(zone)
    return tuple(out)


STROKE_FIELDS = (
    "kind",
    "points",
    "mirror",
    "order",
    "contact",
    "direction",
    "count",
    "size",
    "fingers",
    "return",
    "hand",
    "pointing",
)


def parse_diagram(r: Reader, value: Any, path: str) -> Diagram | None:
    data = r.fields(value, path, ("strokes",), ("caution",), "a diagram")
    if data is None:
        return None
    strokes_value = data.get("strokes")
    strokes_path = join(path, "strokes")
    if not isinstance(strokes_value, list) or not strokes_value:
        r.problem(strokes_path, f"expected a list of strokes, got {type_name(strokes_value)}.")
        return None
    if len(strokes_value) > MAX_ITEMS:
        r.problem(strokes_path, f"has {len(strokes_value)} strokes; the limit is {MAX_ITEMS}.")
        return None
    strokes = []
    for i, item in enumerate(strokes_value):
        stroke = parse_stroke(r, item, join(strokes_path, i))
        if stroke is not None:
            strokes.append(stroke)
    caution = zone_list(r, data, "caution", path, CAUTION_ZONES)
    return Diagram(tuple(strokes), caution)


def parse_stroke(r: Reader, value: Any, path: str) -> Stroke | None:
    before = len(r.problems)
    data = r.fields(value, path, ("kind", "points"), STROKE_FIELDS[2:], "a stroke")
    if data is None:
        return None
    kind = r.choice(data, "kind", path, STROKE_KINDS, "stroke kind")
    points = parse_points(r, data.get("points"), join(path, "points"), kind)
    contact = r.choice(data, "contact", path, CONTACTS, "contact")
    direction = r.choice(data, "direction", path, ("ccw", "cw"), "direction", default="ccw")
    stroke = Stroke(
        kind=kind or "glide",
        points=tuple(points or ()),
        mirror=r.boolean(data, "mirror", path, default=False),
        order=r.number(data, "order", path, low=1, high=99, integer=True),
        contact=contact,
        direction=direction or "ccw",
        count=r.number(data, "count", path, low=1, high=24, integer=True),
        size=r.number(data, "size", path, low=0.005, high=0.2),
        fingers=r.number(data, "fingers", path, low=2, high=5, integer=True, default=4) or 4,
        returning=r.boolean(data, "return", path, default=False),
        hand=r.choice(data, "hand", path, HANDS, "hand"),
        pointing=r.choice(data, "pointing", path, POINTING, "pointing", default="along") or "along",
    )
    if len(r.problems) > before:
        return None
    lint_stroke(r, stroke, path)
    return stroke if len(r.problems) == before else None


def parse_points(r: Reader, value: Any, path: str, kind: str | None) -> list[Point] | None:
    if not isinstance(value, list) or not value:
        r.problem(path, f"expected a list of [x, y] points, got {type_name(value)}.")
        return None
    if len(value) > MAX_POINTS:
        r.problem(path, f"has {len(value)} points; the limit is {MAX_POINTS}.")
        return None
    needs_path = kind in ("glide", "rake", "alternate")
    if needs_path and len(value) < 2:
        r.problem(path, f"a {kind} stroke needs at least 2 points (a start and an end).")
        return None
    out: list[Point] = []
    for i, item in enumerate(value):
        p = join(path, i)
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in item)
        ):
            r.problem(p, f"expected [x, y] with two numbers, got {type_name(item)}.")
            return None
        x, y = float(item[0]), float(item[1])
        if not (0 <= x <= 1 and 0 <= y <= 1):
            r.problem(
                p,
                f"[{x:g}, {y:g}] is off the back: x and y must be between 0 and 1 "
                "(x across the back, spine at 0.5; y from waist 0 to shoulders 1).",
            )
            return None
        out.append((x, y))
    return out


def lint_stroke(r: Reader, stroke: Stroke, path: str) -> None:
    """Safety lint: no stroke, mirrored or not, may touch the spine band, and no hand at its
    start may lie on it."""
    for shape in hand_footprint(stroke):
        if spine_entry(shape) is not None:
            r.problem(
                path,
                f"the hand at the start of this {stroke.kind} stroke would lie on the spine "
                f"(its fingers point {stroke.pointing}). Point them another way (pointing: out, "
                "up or down) or start further from the spine.",
            )
            return
    for shape in footprint(stroke):
        hit = spine_entry(shape)
        if hit is not None:
            r.problem(
                path,
                f"the {stroke.kind} stroke enters the spine band near "
                f"[{hit[0]:.2f}, {hit[1]:.2f}]. Never work on the spine: keep every point, "
                f"circle and finger track at x < {SPINE_LEFT:.3f} or x > {SPINE_RIGHT:.3f}.",
            )
            return
        if any(not (-0.02 <= x <= 1.02 and -0.02 <= y <= 1.02) for x, y in shape):
            r.problem(
                path,
                f"the {stroke.kind} stroke runs off the back (its size or spread takes it past "
                "0..1). Move it inwards or make it smaller.",
            )
            return


# --- routines --------------------------------------------------------------------------------


def parse_routine(
    doc: Document,
    problems: list[Problem],
    origin: str,
    technique_ids: Iterable[str],
    unparsed: Iterable[str] = (),
) -> Routine | None:
    """A routine, its steps naming `technique_ids`; a step naming one of `unparsed` (a
    technique whose file has problems of its own, reported there) is left out unremarked."""
    r = Reader(doc, problems)
    ident = doc.path.stem
    msg = id_problem(ident)
    if msg:
        r.problem("", msg)
    data = r.fields(doc.data, "", ("title", "steps"), ("description", "lang"), "a routine")
    if data is None:
        return None
    title = r.text(data, "title", "", limit=MAX_TITLE)
    description = r.text(data, "description", "", default="")
    known = sorted(technique_ids)
    steps: list[RoutineStep] = []
    value = data.get("steps")
    if not isinstance(value, list) or not value:
        r.problem("steps", f"expected a list of technique ids, got {type_name(value)}.")
    elif len(value) > MAX_ROUTINE_STEPS:
        r.problem("steps", f"has {len(value)} steps; the limit is {MAX_ROUTINE_STEPS}.")
    else:
        skipped = sorted(set(unparsed) - set(known))
        for i, item in enumerate(value):
            step = parse_routine_step(r, item, join("steps", i), known, skipped)
            if step:
                steps.append(step)
    lang = file_language(r, data)
    if not r.ok or title is None or len(steps) != len(value or ()):  # a step left out
        return None
    return Routine(ident, title, description or "", tuple(steps), origin, doc.path, lang)


def parse_routine_step(
    r: Reader, item: Any, path: str, known: list[str], unparsed: Iterable[str] = ()
) -> RoutineStep | None:
    """One step; None for a problem, or for a technique in `unparsed` (its file has problems
    of its own, reported there), whose step is still checked for everything else."""
    if isinstance(item, str):
        item = {"technique": item}
        field_path = path
    else:
        field_path = join(path, "technique")
    optional = ("minutes", "pressure", "note", "times")
    data = r.fields(item, path, ("technique",), optional, "a routine step")
    if data is None:
        return None
    tech = data.get("technique")
    if not isinstance(tech, str):
        r.problem(field_path, f"expected a technique id, got {type_name(tech)}.")
        return None
    broken = tech in unparsed
    if tech not in known and not broken:
        r.problem(
            field_path,
            f"no technique '{tech}'.{did_you_mean(tech, known)} Known: {', '.join(known)}.",
        )
        return None
    minutes = r.number(data, "minutes", path, low=0.5, high=120, unit=" min")
    pressure = r.choice(data, "pressure", path, PRESSURE_LEVELS, "pressure level")
    note = r.text(data, "note", path)
    times = r.text(data, "times", path, limit=60)
    return None if broken else RoutineStep(tech, minutes, pressure, note, times)


# --- the shared setting ---------------------------------------------------------------------

SETTING_REQUIRED = (
    "spine_warning",
    "spine_short",
    "feedback_rule",
    "preparation",
    "safety",
    "do_not_massage",
    "disclaimer",
    "stay_light",
    "pressure_scale_short",
)


def parse_setting(doc: Document, problems: list[Problem]) -> Setting | None:
    r = Reader(doc, problems)
    optional = (
        "feedback_short",
        "setup_short",
        "pressure_scale",
        "posture",
        "finishing",
        "benefits",
    )
    data = r.fields(doc.data, "", SETTING_REQUIRED, optional, "the setting")
    if data is None:
        return None
    scale = pressure_scale(r, data, "pressure_scale", (), MAX_TEXT)
    short = pressure_scale(r, data, "pressure_scale_short", PRESSURE_LEVELS, 60)
    setting = Setting(
        spine_warning=r.text(data, "spine_warning", "") or "",
        spine_short=r.text(data, "spine_short", "", limit=60) or "",
        feedback_rule=r.text(data, "feedback_rule", "") or "",
        preparation=r.text_list(data, "preparation", "", min_items=1),
        safety=r.text_list(data, "safety", "", min_items=1),
        do_not_massage=r.text_list(data, "do_not_massage", "", min_items=1),
        disclaimer=r.text(data, "disclaimer", "") or "",
        stay_light=r.text(data, "stay_light", "", limit=200) or "",
        feedback_short=r.text(data, "feedback_short", "", limit=60) or "",
        setup_short=r.text(data, "setup_short", "", limit=200) or "",
        pressure_scale=scale,
        pressure_scale_short=short,
        posture=r.text_list(data, "posture", ""),
        finishing=r.text_list(data, "finishing", ""),
        benefits=r.text(data, "benefits", "", default="") or "",
        path=doc.path,
    )
    return setting if r.ok else None


def pressure_scale(
    r: Reader, data: dict[str, Any], key: str, required: Sequence[str], limit: int
) -> dict[str, str]:
    """A few words for each pressure level, as the gauges name them; `required` levels must
    all be there (a card's one-line scale names every level)."""
    scale: dict[str, str] = {}
    if key not in data:
        return scale
    value = r.fields(data[key], key, required, PRESSURE_LEVELS, "a scale")
    for level in PRESSURE_LEVELS:
        if value and level in value:
            text = r.text(value, level, key, limit=limit)
            if text:
                scale[level] = text
    return scale


def duplicate_ids(paths: Sequence[Path]) -> list[Problem]:
    """Two files in one folder that name the same id (`x.yaml` and `x.yml`)."""
    seen: dict[tuple[Path, str], Path] = {}
    problems = []
    for path in paths:
        key = (path.parent, path.stem)
        if key in seen:
            problems.append(
                Problem(
                    f"id '{path.stem}' is already defined by {seen[key].name}. "
                    "Rename or remove one of them.",
                    path,
                )
            )
        else:
            seen[key] = path
    return problems
