"""Fills in a configuration template of the cluster (deploy/cluster/nginx.conf.template).

    python deploy/cluster/render_config.py TEMPLATE OUTPUT

Every ${NAME} with NAME in capitals is replaced by that environment variable; other text, such as
nginx's own $host and $http_upgrade, stays as it is. A placeholder whose variable is not set stops
it with the names of all such variables (exit status 1), before OUTPUT is written.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def render(template: str, values: Mapping[str, str]) -> str:
    missing = sorted({name for name in PLACEHOLDER.findall(template) if name not in values})
    if missing:
        raise KeyError(", ".join(missing))
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    template, output = (Path(arg) for arg in argv)
    try:
        text = render(template.read_text(encoding="utf-8"), os.environ)
    except KeyError as error:
        print(f"cluster: not set for {template.name}: {error.args[0]}", file=sys.stderr)
        return 1
    output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
