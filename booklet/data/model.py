"""The routine as data: techniques, routines, the shared safety setting. No I/O, no pages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

# A BCP 47 language tag as a library names its folders: es, pt-BR, sr-Latn, es-419.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-(?:[A-Z]{2}|[0-9]{3}|[A-Z][a-z]{3}))?")


def is_language_code(name: str) -> bool:
    return bool(LANGUAGE_CODE.fullmatch(name))


PRESSURE_LEVELS: tuple[str, ...] = ("light", "gentle", "moderate", "firm", "deep")
TECHNIQUE_KINDS: tuple[str, ...] = ("glide", "circle", "knead", "rake", "press", "stretch", "other")
STROKE_KINDS: tuple[str, ...] = ("glide", "circles", "knead", "rake", "press", "alternate")
CONTACTS: tuple[str, ...] = ("palm", "thumbs", "fingertips", "knuckles", "forearm", "elbow")
ZONES: tuple[str, ...] = ("spine", "ribs", "lower-back", "neck", "shoulder-blades")
CAUTION_ZONES: tuple[str, ...] = ("ribs", "lower-back")
HANDS: tuple[str, ...] = ("right", "left", "both")
# Which way the fingers point at a stroke's start: the way it moves, away from the spine or
# towards it, towards the head or the waist.
POINTING: tuple[str, ...] = ("along", "out", "in", "up", "down")

Point = tuple[float, float]


def pressure_rank(level: str) -> int:
    """1 for light up to 5 for deep: what the pressure gauge fills."""
    return PRESSURE_LEVELS.index(level) + 1


class Stroke(NamedTuple):
    """One movement on the back figure, in normalised back coordinates (spine at x = 0.5)."""

    kind: str
    points: tuple[Point, ...]
    mirror: bool = False
    order: int | None = None
    contact: str | None = None
    direction: str = "ccw"
    count: int | None = None  # type: ignore[assignment]  # a field, shadowing tuple.count
    size: float | None = None
    fingers: int = 4
    returning: bool = False
    hand: str | None = None  # the giver's hand, where it matters which
    pointing: str = "along"  # which way the fingers point at the start


class Diagram(NamedTuple):
    strokes: tuple[Stroke, ...]
    caution: tuple[str, ...] = ()

    def hands(self) -> tuple[tuple[int, str], ...]:
        """(order, hand) for the numbered strokes that name the giver's hand."""
        named = {(s.order, s.hand) for s in self.strokes if s.order is not None and s.hand}
        return tuple(sorted(named))


class Technique(NamedTuple):
    id: str
    name: str
    summary: str
    kind: str
    pressure: str
    pressure_note: str
    minutes: float
    oil: bool
    position: str
    steps: tuple[str, ...]
    cautions: tuple[str, ...]
    avoid: tuple[str, ...]
    source: str
    diagram: Diagram | None = None
    muscles: tuple[str, ...] = ()
    video: str = ""  # a web page showing the stroke, printed as a QR code
    origin: str = "built-in"
    path: Path | None = None
    lang: str = "en"  # the language the file is written in: no note that it is "in English"
    short_name: str = ""  # for tight places (the booklet's timeline): "Fan" for "Fan stroke"

    @property
    def label(self) -> str:
        """The short name, or the name when it has none."""
        return self.short_name or self.name

    @property
    def avoids_spine(self) -> bool:
        return "spine" in self.avoid


class RoutineStep(NamedTuple):
    """A routine's reference to a technique, with optional overrides of its defaults."""

    technique: str
    minutes: float | None = None
    pressure: str | None = None
    note: str | None = None
    times: str | None = None  # how often, as the therapist writes it: "3 times a week"


class Routine(NamedTuple):
    id: str
    title: str
    description: str
    steps: tuple[RoutineStep, ...]
    origin: str = "built-in"
    path: Path | None = None
    lang: str = "en"


class PlannedStep(NamedTuple):
    """A routine step resolved against its technique: what a page actually prints."""

    number: int
    technique: Technique
    minutes: float
    pressure: str
    note: str
    times: str = ""

    @property
    def pressure_rank(self) -> int:
        return pressure_rank(self.pressure)


class Plan(NamedTuple):
    """A routine ready to print: title, steps with their effective values, and the total."""

    id: str
    title: str
    description: str
    steps: tuple[PlannedStep, ...]

    @property
    def total_minutes(self) -> float:
        return sum(step.minutes for step in self.steps)

    @property
    def techniques(self) -> tuple[Technique, ...]:
        """Each technique once, in first-use order."""
        seen: dict[str, Technique] = {}
        for step in self.steps:
            seen.setdefault(step.technique.id, step.technique)
        return tuple(seen.values())

    @property
    def uses_oil(self) -> bool:
        return any(step.technique.oil for step in self.steps)


class Setting(NamedTuple):
    """The setup and safety text every routine carries, kept as data so it can be reworded."""

    spine_warning: str
    spine_short: str
    feedback_rule: str
    preparation: tuple[str, ...]
    safety: tuple[str, ...]
    do_not_massage: tuple[str, ...]
    disclaimer: str
    stay_light: str = ""  # where to keep the pressure light, in one sentence: on every card
    feedback_short: str = ""
    setup_short: str = ""
    pressure_scale: Mapping[str, str] = MappingProxyType({})
    # the scale in a few words a level, for a card's one line: "light: the weight of your hands"
    pressure_scale_short: Mapping[str, str] = MappingProxyType({})
    posture: tuple[str, ...] = ()
    finishing: tuple[str, ...] = ()
    benefits: str = ""
    path: Path | None = None


def plan_routine(routine: Routine, techniques: dict[str, Technique]) -> Plan:
    """Apply each step's overrides to its technique; the caller has checked the ids exist."""
    steps = []
    for number, step in enumerate(routine.steps, start=1):
        tech = techniques[step.technique]
        steps.append(
            PlannedStep(
                number=number,
                technique=tech,
                minutes=step.minutes if step.minutes is not None else tech.minutes,
                pressure=step.pressure or tech.pressure,
                note=step.note or tech.pressure_note,
                times=step.times or "",
            )
        )
    return Plan(routine.id, routine.title, routine.description, tuple(steps))


def plan_techniques(chosen: list[Technique], title: str | None = None) -> Plan:
    """A plan from techniques picked on the command line, in the order given."""
    steps = tuple(
        PlannedStep(i, t, t.minutes, t.pressure, t.pressure_note)
        for i, t in enumerate(chosen, start=1)
    )
    if title is None:
        title = chosen[0].name if len(chosen) == 1 else "Back massage routine"
    return Plan("custom", title, "", steps)


def format_minutes(minutes: float) -> str:
    """`5` not `5.0`; halves kept: `2.5`."""
    return f"{minutes:g}"
