"""Delete from a built layer what its prune list names (`make build` runs it before compiling .pyc).

python3 scripts/prune_layer.py .aws-sam/build/DepsLayer/python                           # layers/deps/prune.txt
python3 scripts/prune_layer.py .aws-sam/build/ChartLayer/python layers/chart/prune.txt
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

PRUNE_LIST = Path(__file__).resolve().parent.parent / "layers" / "deps" / "prune.txt"


def patterns(path: Path = PRUNE_LIST) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def prune(root: Path, globs: list[str]) -> list[Path]:
    """Remove every path under `root` matching a glob; a glob that matches nothing is an error (the list went stale)."""
    removed: list[Path] = []
    for pattern in globs:
        matches = sorted(root.glob(pattern))
        if not matches:
            raise SystemExit(f"prune.txt: {pattern!r} matches nothing under {root}: update the list")
        for path in matches:
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
                # and its compiled forms, if the layer was compiled already
                for compiled in path.parent.glob(f"__pycache__/{path.stem}.*.pyc"):
                    compiled.unlink()
            removed.append(path)
    return removed


def main() -> None:
    root = Path(sys.argv[1])
    if not root.is_dir():
        raise SystemExit(f"{root} is not a directory: run sam build first")
    removed = prune(root, patterns(Path(sys.argv[2]) if len(sys.argv) > 2 else PRUNE_LIST))
    print(f"pruned {len(removed)} paths from {root}")


if __name__ == "__main__":
    main()
