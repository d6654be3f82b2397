"""The default need categories (the 12345 practice's feedback times: emergency 2 hours; water,
power, gas and heating 24 hours; ordinary 7 working days; complex 15 working days). Data that
administrators may change: seeding adds only the codes that are missing."""

from __future__ import annotations

# (code, name, limit, unit)
CATEGORIES = [
    ("emergency", "紧急险情", 2, "hours"),
    ("utilities", "水电气暖", 24, "hours"),
    ("property", "物业服务", 7, "working_days"),
    ("environment", "环境卫生", 7, "working_days"),
    ("facilities", "公共设施", 7, "working_days"),
    ("neighbours", "邻里关系", 7, "working_days"),
    ("elderly", "为老服务", 7, "working_days"),
    ("general", "其他一般诉求", 7, "working_days"),
    ("complex", "复杂诉求", 15, "working_days"),
]


def seed_categories(model=None) -> int:
    """Add the default categories that are missing; returns how many were added."""
    if model is None:
        from .models import NeedCategory as model
    added = 0
    for position, (code, name, limit, unit) in enumerate(CATEGORIES):
        _obj, created = model.objects.get_or_create(
            code=code, defaults={"name": name, "limit": limit, "unit": unit, "position": position}
        )
        added += created
    return added
