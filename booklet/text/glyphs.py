"""The glyph check: every character of every string a product prints must be in its font, so
nothing ever prints as an empty box. Data fields are checked by name, before any drawing."""

from __future__ import annotations

from pathlib import Path

from booklet.base.errors import BookletError
from booklet.data.model import Plan, Setting
from booklet.text.fonts import (
    FontFamily,
    describe_chars,
    font_label,
    missing_chars,
    missing_hint,
)


def check_glyphs(plan: Plan, setting: Setting, fonts: FontFamily, key: str = "font") -> None:
    """`key` is the layout's field that chose the fonts, for the message."""
    for tech in plan.techniques:
        fields = {
            "name": tech.name,
            "short_name": tech.short_name,
            "summary": tech.summary,
            "pressure_note": tech.pressure_note,
            "position": tech.position,
        }
        fields |= {f"steps[{i}]": s for i, s in enumerate(tech.steps)}
        fields |= {f"cautions[{i}]": s for i, s in enumerate(tech.cautions)}
        fields |= {f"muscles[{i}]": s for i, s in enumerate(tech.muscles)}
        check_fields(fields, tech.path or tech.id, fonts, key)
    routine_fields = {"title": plan.title, "description": plan.description}
    routine_fields |= {f"steps[{s.number - 1}].note": s.note for s in plan.steps}
    check_fields(routine_fields, f"routine '{plan.id}'", fonts, key)
    setting_fields = {
        "spine_warning": setting.spine_warning,
        "spine_short": setting.spine_short,
        "feedback_rule": setting.feedback_rule,
        "feedback_short": setting.feedback_short,
        "setup_short": setting.setup_short,
        "disclaimer": setting.disclaimer,
        "stay_light": setting.stay_light,
        "benefits": setting.benefits,
    }
    for name in ("preparation", "safety", "do_not_massage", "posture", "finishing"):
        setting_fields |= {f"{name}[{i}]": s for i, s in enumerate(getattr(setting, name))}
    for scale in ("pressure_scale", "pressure_scale_short"):
        setting_fields |= {f"{scale}.{k}": v for k, v in getattr(setting, scale).items()}
    check_fields(setting_fields, setting.path or "setting", fonts, key)


def check_fields(
    fields: dict[str, str], file: Path | str | None, fonts: FontFamily, key: str = "font"
) -> None:
    for name, text in fields.items():
        missing = missing_chars(text or "", fonts.regular)
        if missing:
            raise BookletError(
                f"{describe_chars(missing)} cannot be printed with the font "
                f"'{font_label(fonts.regular)}'. {missing_hint(missing, key)}",
                file=file,
                field=name,
            )
