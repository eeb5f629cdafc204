"""The modules that hold the safety rules must stay at 100 % line coverage (STYLE.md, Tests).

python scripts/check_coverage.py --cov-args     prints the pytest-cov arguments
python scripts/check_coverage.py REPORT.json    fails unless every module is fully covered
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

PERFECT_MODULES = (
    "labels.mod37_2",
    "labels.isbt128.din",
    "labels.isbt128.coi",
    "labels.isbt128.sequences",
    "labels.redaction",
    "app.scanning.rules",
    "app.scanning.wristband",
    "app.scanning.wording",
    "app.journey.stages",
    "app.journey.checklist",
    "app.journey.specifications",
    "app.journey.parameters",
    "app.journey.viability",
    "app.loadtest.exactly_once",
)


def _path(module: str) -> str:
    return module.replace(".", "/") + ".py"


def _config() -> Path:
    """A coverage configuration that measures the perfect modules and no other file.

    Only these files are traced line by line; every other file runs untraced. Measuring their
    folders instead (``--cov=app/journey``) traced every module of those packages and doubled
    the time of the tests that run them."""
    folder = Path(tempfile.mkdtemp(prefix="coi-coverage-"))
    config = folder / "coveragerc"
    lines = "".join(f"    */{_path(m)}\n" for m in PERFECT_MODULES)
    config.write_text(f"[run]\nrelative_files = true\ninclude =\n{lines}", encoding="utf-8")
    return config


def main(argv: list[str]) -> int:
    """Print the coverage arguments, or check a JSON coverage report."""
    if argv == ["--cov-args"]:
        # File patterns, not module names: coverage imports a named module's parent packages to
        # find it, before pytest is ready, and a package such as app.journey imports the
        # database layer when it loads. A pattern is measured without importing anything.
        print(f"--cov --cov-config={_config()}")
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    files = json.loads(Path(argv[0]).read_text(encoding="utf-8"))["files"]
    failures = []
    for module in PERFECT_MODULES:
        summary = files.get(_path(module), {}).get("summary")
        if summary is None:
            failures.append(f"{module}: not measured")
            continue
        missing = files[_path(module)]["missing_lines"]
        if missing:
            failures.append(f"{module}: {summary['percent_covered']:.1f} %, lines {missing}")
    for failure in failures:
        print(f"coverage below 100 %: {failure}", file=sys.stderr)
    if not failures:
        print(f"100 % line coverage: {len(PERFECT_MODULES)} safety modules")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
