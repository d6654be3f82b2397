"""The figures of one ``make bench`` run: collected by the benchmark modules, printed as a
table and written to ``bench-results.json``.

Every figure carries the floor it is measured against (a hand-written, minimal way of doing
the same work, measured in the same run on the same data), the ratio to that floor, its target
and whether the target is met. A figure without a floor (peak memory, say) has ``floor`` and
``ratio`` set to ``None`` and its target is an absolute limit.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    floor: float | None
    ratio: float | None
    target: str
    met: bool
    scale: float = 1.0
    database: str = ""
    machine: dict = field(default_factory=dict)
    note: str = ""


def machine() -> dict:
    mem = None
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(mem, 1) if mem else None,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


class Results:
    """The registry every benchmark module adds its figures to."""

    def __init__(self, *, scale: float, database: str):
        self.scale, self.database = scale, database
        self.machine = machine()
        self.figures: list[Figure] = []

    def ratio(
        self,
        name: str,
        value: float,
        floor: float,
        unit: str,
        *,
        max_ratio: float,
        note: str = "",
    ) -> Figure:
        """A figure judged by its ratio to a floor: met when ``value <= max_ratio × floor``."""
        ratio = value / floor if floor else None
        met = ratio is not None and ratio <= max_ratio
        return self._add(name, value, unit, floor, ratio, f"≤ {max_ratio:g}× floor", met, note)

    def limit(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        below: float | None = None,
        floor: float | None = None,
        note: str = "",
    ) -> Figure:
        """A figure judged by an absolute limit (or only reported, when ``below`` is None)."""
        ratio = value / floor if floor else None
        if below is None:
            return self._add(name, value, unit, floor, ratio, "—", True, note)
        target = f"< {below:g} {unit}"
        return self._add(name, value, unit, floor, ratio, target, value < below, note)

    def _add(self, name, value, unit, floor, ratio, target, met, note) -> Figure:
        figure = Figure(
            name=name,
            value=round(value, 6),
            unit=unit,
            floor=None if floor is None else round(floor, 6),
            ratio=None if ratio is None else round(ratio, 3),
            target=target,
            met=bool(met),
            scale=self.scale,
            database=self.database,
            machine=self.machine,
            note=note,
        )
        self.figures.append(figure)
        print(f"  {_line(figure)}", flush=True)
        return figure

    @property
    def all_met(self) -> bool:
        return all(f.met for f in self.figures)

    def write(self, path: Path) -> None:
        path.write_text(
            json.dumps([asdict(f) for f in self.figures], ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )

    def table(self) -> str:
        m = self.machine
        head = (
            f"Doorstep benchmarks · scale {self.scale:g} · {self.database} · "
            f"{m['cpus']} CPUs, {m['memory_gb']} GB RAM · Python {m['python']}"
        )
        cols = ("figure", "value", "floor", "ratio", "target", "met")
        rows = [cols] + [
            (
                f.name,
                f"{_num(f.value)} {f.unit}",
                "—" if f.floor is None else f"{_num(f.floor)} {f.unit}",
                "—" if f.ratio is None else f"{f.ratio:.2f}×",
                f.target,
                "yes" if f.met else "NO",
            )
            for f in self.figures
        ]
        widths = [max(_width(r[i]) for r in rows) for i in range(len(cols))]
        lines = [head, ""]
        for k, r in enumerate(rows):
            cells = zip(r, widths, strict=True)
            lines.append("  ".join(_pad(c, w, i) for i, (c, w) in enumerate(cells)))
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _line(f: Figure) -> str:
    floor = "" if f.floor is None else f"  floor {_num(f.floor)} {f.unit}"
    ratio = "" if f.ratio is None else f"  ({f.ratio:.2f}×)"
    return f"{f.name}: {_num(f.value)} {f.unit}{floor}{ratio}  target {f.target}  " + (
        "met" if f.met else "NOT MET"
    )


def _num(v: float) -> str:
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def _width(s: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in s)


def _pad(s: str, width: int, i: int) -> str:
    fill = " " * (width - _width(s))
    return s + fill if i in (0, 4, 5) else fill + s
