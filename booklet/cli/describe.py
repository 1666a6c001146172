"""Plain-text views of techniques and routines for the terminal (`booklet show`), in the
language's own words (its catalogue: booklet.data.language)."""

from __future__ import annotations

import textwrap

from booklet.data.language import Words
from booklet.data.model import Plan, Routine, Technique, pressure_rank


def gauge(level: str, words: Words) -> str:
    rank = pressure_rank(level)
    return "#" * rank + "." * (5 - rank) + " " + words.item("pressure_levels", level)


def _wrap(text: str, indent: str = "  ", hang: str = "  ") -> str:
    return textwrap.fill(text, width=78, initial_indent=indent, subsequent_indent=indent + hang)


def _labelled(rows: list[tuple[str, str]]) -> list[str]:
    """Label and value rows, values lined up after the longest label."""
    width = max(len(label) for label, _ in rows) + 2
    out = []
    for label, value in rows:
        first, *rest = textwrap.wrap(value, 78 - width) or [""]
        out.append(label.ljust(width) + first)
        out += [" " * width + more for more in rest]
    return out


def technique(t: Technique, words: Words) -> str:
    rows = [(words.text("pressure_heading"), gauge(t.pressure, words))]
    if t.pressure_note:
        rows.append(("", t.pressure_note))
    minutes = words.count("minutes", t.minutes)
    rows.append((words.text("time_label"), minutes))
    if t.oil:
        rows.append((words.text("oil_label"), words.text("oil_yes")))
    if t.position:
        rows.append((words.text("position_label"), t.position))
    if t.muscles:
        rows.append((words.text("works_label"), words.join(list(t.muscles))))
    lines = [f"{t.name}  ({t.id}, {t.origin})", t.summary, "", *_labelled(rows)]
    lines += ["", words.text("steps")]
    lines += [_wrap(f"{i}. {s}", hang="   ") for i, s in enumerate(t.steps, 1)]
    if t.cautions:
        lines += ["", words.text("take_care")]
        lines += [_wrap(f"- {c}") for c in t.cautions]
    if t.avoid:
        zones = [words.item("zones", z) for z in t.avoid]
        lines += ["", _labelled([(words.text("where_not_to_press"), ", ".join(zones))])[0]]
    if t.diagram:
        strokes = words.count("strokes_count", len(t.diagram.strokes))
        lines.append(f"{words.text('in_the_picture')} {strokes}")
    return "\n".join(lines)


def routine(plan: Plan, r: Routine, words: Words) -> str:
    lines = [f"{r.title}  ({r.id}, {r.origin})"]
    if r.description:
        lines.append(r.description)
    lines.append("")
    width = max((len(step.technique.name) for step in plan.steps), default=10) + 2
    for step in plan.steps:
        minutes = words.text("minutes_short", n=words.number(step.minutes))
        lines.append(
            f"{step.number}. {step.technique.name:<{width}} {minutes:>8}  "
            f"{gauge(step.pressure, words)}"
        )
        if step.note:
            lines.append(_wrap(step.note, "   "))
    total = words.count("minutes", plan.total_minutes)
    lines += ["", f"{words.text('total')}  {total}"]
    return "\n".join(lines)
