"""The performance harness: every benchmark as a ratio to a floor measured in the same run.

    python tests/perf/run.py [--quick] [--only NAME ...]

Builds its data sets in a temporary directory (SQLite, and PostgreSQL too when
``COI_TEST_POSTGRES_URL`` is set), times the desktop start-up and light commands as whole
processes beside their floors (runs interleaved, so the machine's load falls on both alike), runs
the benchmarks under ``tests/benchmarks`` (pytest ``-m slow``; each records its rows with
``tests.perf.results.record``), prints one table and writes ``tests/artifacts/perf.json``. Exit 1
when a ratio misses its target or a benchmark fails, else 0. ``--quick`` runs smaller sizes and
fewer repeats (under 3 minutes); ``--only`` keeps the rows whose name starts with NAME.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: this checkout's tests and application
    sys.path.insert(0, str(ROOT))

from tests.perf.results import (  # noqa: E402 - after the path is set
    HEADER,
    QUICK_VARIABLE,
    RESULTS_VARIABLE,
    Result,
    record,
)

ARTIFACT = ROOT / "tests" / "artifacts" / "perf.json"
PROBE = ROOT / "tests" / "perf" / "startup_probe.py"
STARTUP_TARGET = 1.5
LIGHT_COMMAND_TARGET = 4.0
DIN_13 = "G123498654321"
# Each benchmark file under tests/benchmarks and the prefix of the rows it records.
BENCHMARKS: dict[str, str] = {
    "scan": "test_scan_benchmark.py",
    "audit_search": "test_audit_search_benchmark.py",
    "label": "test_label_benchmark.py",
    "coldchain": "test_coldchain_benchmark.py",
    "report": "test_report_benchmark.py",
    "logger_storage": "test_logger_storage_benchmark.py",
    "reconciliation": "test_reconciliation_benchmark.py",
    "gui_stall": "test_gui_stall_benchmark.py",
    "memory": "test_memory_benchmark.py",
}
# The light commands, each beside bare Python doing the same work.
COMMANDS: dict[str, tuple[list[str], str]] = {
    "cli id check": (
        ["id", "check", DIN_13],
        f"from labels import mod37_2; print(mod37_2.ALPHABET[mod37_2.check_value({DIN_13!r})])",
    ),
    "cli scan parse": (
        ["scan", "parse", "=G1234" + DIN_13[5:] + "00"],
        "import json; from labels.scan import parse_scan; "
        f"print(json.dumps(parse_scan('=G1234{DIN_13[5:]}00').as_dict()))",
    ),
}


def _wanted(name: str, only: Sequence[str]) -> bool:
    return not only or any(name.startswith(prefix) or prefix.startswith(name) for prefix in only)


def _process_ms(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one whole process, in milliseconds (it must exit 0)."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def _interleaved(
    name: str, ours: list[str], floor: list[str], env: dict[str, str], runs: int, target: float
) -> Result:
    """Time ``ours`` and ``floor`` alternately ``runs`` times each, after one warm-up of each."""
    _process_ms(ours, env), _process_ms(floor, env)  # disk cache and bytecode warm
    times, floors = [], []
    for _ in range(runs):
        times.append(_process_ms(ours, env))
        floors.append(_process_ms(floor, env))
    return record(name, times, floors, target)


def _environment(work: Path) -> dict[str, str]:
    """Private user directories, this checkout first on the path, no display."""
    env = dict(os.environ)
    env |= {
        "XDG_DATA_HOME": str(work / "data"),
        "XDG_CONFIG_HOME": str(work / "config"),
        "COI_STATION": "perf-harness",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    }
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.pop("COI_DATABASE_URL", None)
    env.pop("COI_SETTINGS", None)
    return env


def _startup_database(url: str, env: dict[str, str]) -> None:
    """A database at the schema's head, as a station opens it every morning."""
    code = (
        "import sys; from app.core import ensure_key, open_database; "
        "ensure_key(); open_database(sys.argv[1]).dispose()"
    )
    subprocess.run([sys.executable, "-c", code, url], env=env, cwd=ROOT, check=True)


def process_rows(work: Path, env: dict[str, str], quick: bool, only: Sequence[str]) -> None:
    """Start-up and light commands, timed as whole processes beside their floors."""
    runs = 5 if quick else 15
    python = sys.executable
    if _wanted("startup", only):
        url = f"sqlite:///{work / 'startup.db'}"
        _startup_database(url, env)
        _interleaved(
            "startup sqlite (sign-in shown, idle)",
            [python, str(PROBE), "app", url],
            [python, str(PROBE), "floor", url],
            env,
            runs,
            STARTUP_TARGET,
        )
    for name, (arguments, bare) in COMMANDS.items():
        if _wanted(name, only):
            _interleaved(
                name,
                [python, "-m", "app.cli.main", *arguments],
                [python, "-c", bare],
                env,
                runs * 2,
                LIGHT_COMMAND_TARGET,
            )


def benchmark_rows(env: dict[str, str], quick: bool, only: Sequence[str]) -> int:
    """Run the chosen benchmarks under pytest; their rows go to ``COI_PERF_RESULTS``."""
    files = [
        str(ROOT / "tests" / "benchmarks" / file)
        for name, file in BENCHMARKS.items()
        if _wanted(name, only)
    ]
    if not files:
        return 0
    env = env | ({QUICK_VARIABLE: "1"} if quick else {})
    command = [sys.executable, "-m", "pytest", "-m", "slow", "-p", "no:randomly", "-q", "-s"]
    return subprocess.run([*command, *files], env=env, cwd=ROOT, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table, write the JSON; 1 when a ratio misses or a benchmark fails."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument(
        "--only", nargs="+", default=[], metavar="NAME", help="rows whose name starts with NAME"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="coi-perf-") as directory:
        work = Path(directory)
        results_file = work / "results.jsonl"
        env = _environment(work) | {RESULTS_VARIABLE: str(results_file)}
        os.environ[RESULTS_VARIABLE] = str(results_file)  # the process rows record here too
        print(HEADER)
        process_rows(work, env, args.quick, args.only)
        pytest_status = benchmark_rows(env, args.quick, args.only)
        lines = results_file.read_text(encoding="utf-8").splitlines()
        results = [Result(**json.loads(line)) for line in lines if line.strip()]
        del os.environ[RESULTS_VARIABLE]
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n", "utf-8")
    print(f"\n{HEADER}")
    for result in results:
        print(result.line())
    missed = [r.name for r in results if not r.within_target]
    print(
        f"\n{len(results)} rows in {time.perf_counter() - started:.0f} s; written to "
        f"{ARTIFACT.relative_to(ROOT)}; load average {os.getloadavg()[0]:.2f}"
    )
    if pytest_status != 0:
        print(f"a benchmark failed (pytest exit {pytest_status})")
    if missed:
        print("missed the target: " + ", ".join(missed))
    return 1 if missed or pytest_status != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
