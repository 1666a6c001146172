"""Plain-text views of techniques and routines for the terminal (`booklet show`)."""

from __future__ import annotations

import textwrap

from booklet.data.model import Plan, Routine, Technique, format_minutes, pressure_rank


def gauge(level: str) -> str:
    rank = pressure_rank(level)
    return "#" * rank + "." * (5 - rank) + f" {level}"


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=78, initial_indent=indent, subsequent_indent=indent + "  ")


def technique(t: Technique) -> str:
    lines = [
        f"{t.name}  ({t.id}, {t.origin})",
        t.summary,
        "",
        f"Pressure  {gauge(t.pressure)}",
    ]
    if t.pressure_note:
        lines.append(_wrap(t.pressure_note, "          "))
    lines.append(f"Time      {format_minutes(t.minutes)} min" + ("   Oil: yes" if t.oil else ""))
    if t.position:
        lines.append(f"Position  {t.position}")
    if t.muscles:
        lines.append(f"Works     {' and '.join(t.muscles)}")
    lines += ["", "Steps"]
    lines += [_wrap(f"{i}. {s}") for i, s in enumerate(t.steps, 1)]
    if t.cautions:
        lines += ["", "Cautions"]
        lines += [_wrap(f"- {c}") for c in t.cautions]
    if t.avoid:
        lines += ["", "Avoid     " + ", ".join(t.avoid)]
    if t.diagram:
        lines.append(f"Diagram   {len(t.diagram.strokes)} stroke(s)")
    return "\n".join(lines)


def routine(plan: Plan, r: Routine) -> str:
    lines = [f"{r.title}  ({r.id}, {r.origin})"]
    if r.description:
        lines.append(r.description)
    lines.append("")
    for step in plan.steps:
        lines.append(
            f"{step.number}. {step.technique.name:<20} {format_minutes(step.minutes):>4} min  "
            f"{gauge(step.pressure)}"
        )
        if step.note:
            lines.append(_wrap(step.note, "   "))
    lines += ["", f"Total: {format_minutes(plan.total_minutes)} min"]
    return "\n".join(lines)
