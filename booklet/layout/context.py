"""What snippets see: plain data made for them, never booklet's own objects.

A layout comes from a stranger, so its snippets get strings, numbers, booleans, and read-only
mappings and tuples of them: nothing with a method that reaches a file, a path or the process.
The sandbox (booklet.layout.sandbox) is the second wall; this is the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from booklet.data.language import Words
from booklet.data.model import Plan, PlannedStep, Setting, Technique, pressure_rank

Fields = Mapping[str, Any]

PLAIN_SCALARS = (str, int, float, bool, type(None))


def frozen(values: dict[str, Any]) -> Fields:
    return MappingProxyType(values)


def technique_fields(tech: Technique, words: Words) -> Fields:
    hands = tech.diagram.hands() if tech.diagram else ()
    return frozen(
        {
            "id": tech.id,
            "name": tech.name,
            "short_name": tech.label,
            "summary": tech.summary,
            "kind": tech.kind,
            "pressure": tech.pressure,
            "pressure_word": words.item("pressure_levels", tech.pressure),
            "pressure_rank": pressure_rank(tech.pressure),
            "pressure_note": tech.pressure_note,
            "minutes": tech.minutes,
            "oil": tech.oil,
            "position": tech.position,
            "steps": tuple(tech.steps),
            "cautions": tuple(tech.cautions),
            "avoid": tuple(tech.avoid),
            "avoids_spine": tech.avoids_spine,
            "has_diagram": tech.diagram is not None,
            "muscles": tuple(tech.muscles),
            "muscles_text": words.join(list(tech.muscles)),
            "video": tech.video,
            "hands": tuple(
                frozen(
                    {
                        "order": order,
                        "hand": hand,
                        "word": words.item("hands", hand),
                        "letter": words.item("hand_letters", hand),
                    }
                )
                for order, hand in hands
            ),
            # "1 right, 2 left": for a caption that ends "... hand"
            "hands_text": words.text("list_comma").join(
                f"{o} {words.item('hands', h)}" for o, h in hands
            ),
        }
    )


def step_fields(step: PlannedStep, technique: Fields) -> Fields:
    return frozen(
        {
            "number": step.number,
            "technique": technique,
            "minutes": step.minutes,
            "pressure": step.pressure,
            "pressure_rank": step.pressure_rank,
            "note": step.note,
            "times": step.times,
        }
    )


def plan_fields(plan: Plan, words: Words) -> Fields:
    techniques = {tech.id: technique_fields(tech, words) for tech in plan.techniques}
    return frozen(
        {
            "id": plan.id,
            "title": plan.title,
            "description": plan.description,
            "steps": tuple(step_fields(s, techniques[s.technique.id]) for s in plan.steps),
            "techniques": tuple(techniques.values()),
            "total_minutes": plan.total_minutes,
            "uses_oil": plan.uses_oil,
        }
    )


def setting_fields(setting: Setting) -> Fields:
    return frozen(
        {
            "spine_warning": setting.spine_warning,
            "spine_short": setting.spine_short,
            "feedback_rule": setting.feedback_rule,
            "feedback_short": setting.feedback_short,
            "setup_short": setting.setup_short,
            "preparation": tuple(setting.preparation),
            "safety": tuple(setting.safety),
            "do_not_massage": tuple(setting.do_not_massage),
            "disclaimer": setting.disclaimer,
            "stay_light": setting.stay_light,
            "pressure_scale": frozen(dict(setting.pressure_scale)),
            "pressure_scale_short": frozen(dict(setting.pressure_scale_short)),
            "posture": tuple(setting.posture),
            "finishing": tuple(setting.finishing),
            "benefits": setting.benefits,
        }
    )


def layout_fields(
    name: str,
    size: str,
    colours: Mapping[str, str],
    sides: int | None = None,
    diagrams_overleaf: bool = False,
    diagrams: bool = False,
) -> Fields:
    """The layout as snippets see it. `diagrams`: the card or booklet draws a diagram (with
    its hatched spine band) somewhere; `diagrams_overleaf`: a card's back holds them. Words
    about the pictures are printed only where the pictures are."""
    values: dict[str, Any] = {
        "name": name,
        "size": size,
        "colours": frozen(dict(colours)),
        "diagrams": diagrams,
    }
    if sides is not None:
        values["sides"] = sides
        values["diagrams_overleaf"] = diagrams_overleaf
    return frozen(values)


def base_context(plan: Plan, setting: Setting, layout: Fields, words: Words) -> dict[str, Fields]:
    return {
        "plan": plan_fields(plan, words),
        "setting": setting_fields(setting),
        "layout": layout,
        "words": words.fields(),
    }


def technique_by_id(context: Mapping[str, Any], ident: str) -> Fields:
    """The technique's fields as the plan in this context holds them."""
    techniques: tuple[Fields, ...] = context["plan"]["techniques"]
    for tech in techniques:
        if tech["id"] == ident:
            return tech
    raise KeyError(ident)


def impure_values(value: Any, where: str = "") -> list[str]:
    """Every place in `value` holding something other than plain data (empty when it is all
    plain): what the tests walk, and a guard for anyone who extends the context."""
    if isinstance(value, PLAIN_SCALARS):
        return []
    if isinstance(value, tuple):
        return [p for i, item in enumerate(value) for p in impure_values(item, f"{where}[{i}]")]
    if isinstance(value, MappingProxyType | dict):
        found = []
        for key, item in value.items():
            if not isinstance(key, str):
                found.append(f"{where}: key {key!r}")
            found += impure_values(item, f"{where}.{key}" if where else str(key))
        return found
    return [f"{where}: {type(value).__name__}"]
