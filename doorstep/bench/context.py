"""What the benchmark modules share: scale, data folder, database, the staff who act."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

FULL_RESIDENTS = 1_000_000


@dataclass
class Context:
    scale: float
    data_dir: Path
    database: str  # "sqlite" or "postgresql"
    seed: int = 20231016
    state: dict = field(default_factory=dict)  # what one module leaves for the next

    @property
    def residents(self) -> int:
        return max(1000, round(FULL_RESIDENTS * self.scale))

    def user(self, username: str):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(username=username)

    def compounds(self) -> list[str]:
        from doorstep.places.choices import AreaKind
        from doorstep.places.models import Area

        return list(
            Area.objects.filter(kind=AreaKind.COMPOUND)
            .order_by("code")
            .values_list("code", flat=True)
        )


def run_child(target: str, **kwargs) -> dict:
    """Run ``module:function(**kwargs)`` in a fresh Python process with Django set up, and
    return what it returned plus its peak resident memory (``peak_rss_mb``: the kernel's
    high-water mark of the child, so C allocations count too) and its ``wall_seconds``."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "doorstep.bench.child", target, json.dumps(kwargs)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
        env=os.environ.copy(),
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {target} failed with exit code {proc.returncode}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # RUSAGE_CHILDREN is the largest of all waited-for children: a cross-check, not the figure.
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out.setdefault("peak_rss_mb", children_kb / 1024)
    out["wall_seconds"] = wall
    return out
