"""The default need categories (the 12345 practice's feedback times: emergency 2 hours; water,
power, gas and heating 24 hours; ordinary 7 working days; complex 15 working days). Data that
administrators may change: seeding adds only the codes that are missing.

Public-space categories (``public``) are the problems in shared spaces that other systems may
file through Open311 and that are listed publicly, without names."""

from __future__ import annotations

# (code, name, limit, unit, public). New codes go at the end: a database seeded earlier keeps
# its positions and the new rows follow them.
CATEGORIES = [
    ("emergency", "紧急险情", 2, "hours", False),
    ("utilities", "水电气暖", 24, "hours", False),
    ("property", "物业服务", 7, "working_days", False),
    ("environment", "环境卫生", 7, "working_days", True),
    ("facilities", "公共设施", 7, "working_days", True),
    ("neighbours", "邻里关系", 7, "working_days", False),
    ("elderly", "为老服务", 7, "working_days", False),
    ("general", "其他一般诉求", 7, "working_days", False),
    ("complex", "复杂诉求", 15, "working_days", False),
    # Public space (issue 15, Open311). Sample defaults that administrators change, not official
    # figures: a stopped lift traps people, so a day; the rest as ordinary needs.
    ("lights", "路灯照明", 7, "working_days", True),
    ("lifts", "电梯故障", 24, "hours", True),
    ("rubbish", "垃圾清运", 7, "working_days", True),
    ("roads", "道路破损", 7, "working_days", True),
    ("noise", "噪音扰民", 7, "working_days", True),
    ("drains", "下水道堵塞", 7, "working_days", True),
]

PUBLIC_CODES = frozenset(code for code, *_rest, public in CATEGORIES if public)


def seed_categories(model=None) -> int:
    """Add the default categories that are missing; returns how many were added. Rows already
    there are left as administrators set them, and a default whose name an administrator gave
    to a category of their own is skipped (names are unique).

    The data migrations call this with their historical model: fields that model does not have
    yet are left out (0002 seeds before ``public`` exists; 0010 marks the public codes)."""
    if model is None:
        from .models import NeedCategory as model
    fields = {f.name for f in model._meta.get_fields()}
    taken = dict(model.objects.values_list("name", "code"))
    added = 0
    for position, (code, name, limit, unit, public) in enumerate(CATEGORIES):
        if taken.get(name, code) != code:
            continue
        values = {"name": name, "limit": limit, "unit": unit, "position": position,
                  "public": public}  # fmt: skip
        _obj, created = model.objects.get_or_create(
            code=code, defaults={k: v for k, v in values.items() if k in fields}
        )
        added += created
    return added
