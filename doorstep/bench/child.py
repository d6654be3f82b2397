"""``python -m doorstep.bench.child module:function '{"kw": ...}'``: run one measured piece of
work in its own process (see ``context.run_child``) and print its result as JSON."""

from __future__ import annotations

import importlib
import json
import resource
import sys


def main() -> None:
    import django

    django.setup()
    target, kwargs = sys.argv[1], json.loads(sys.argv[2])
    module, func = target.split(":")
    result = getattr(importlib.import_module(module), func)(**kwargs) or {}
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.flush()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
