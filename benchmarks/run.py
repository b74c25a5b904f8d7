"""Benchmarks of CTDC Explorer: load times, analysis times, page times, peak memory.

    python benchmarks/run.py --data ../shared/data/CTDC_synthetic_20210825.tsv [--json] [--scale 10]

Times are medians of a few repetitions, taken in one run so that ratios between them
hold on a noisy machine. Modules ``benchmarks/bench_<topic>.py`` add their own keys
through ``measure(path, frame) -> dict[str, float]``. With ``--scale K`` every key is
measured again on the file replicated K times (suffix ``_xK``), with ratios beside them.
With ``--json`` the last line printed is one JSON object.

Every run also measures the two demo files (``demo_*`` keys, after the peak memory is
read): the app's default demo ``data/demo_ctdc_2021layout.tsv.gz`` and the 20,000-record
test fixture (``CTDC_DEMO=small``): size in the repository, records, cold and warm load.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.timing import median_seconds, page_seconds  # noqa: E402 (after the path insert)
from core.data.load import load_cached  # noqa: E402 (after the path insert)
from core.data.sources import (  # noqa: E402 (after the path insert)
    DEMO_FILE,
    FULL_DEMO_FILE,
    SMALL_DEMO_FILE,
)

PAGES = ["Home.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))]


_RAW_READ = """
import sys, time, gc, statistics
import pandas as pd
path = sys.argv[1]
sep = "\\t" if ".tsv" in path else ","
times = []
for _ in range(3):
    gc.collect()
    start = time.perf_counter()
    pd.read_csv(path, sep=sep, low_memory=False)
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def raw_read_seconds(path: Path) -> float:
    """A plain ``pandas.read_csv`` of the file (the baseline), median of three, timed in a
    child process so that its memory does not count in this process's peak."""
    out = subprocess.run(
        [sys.executable, "-c", _RAW_READ, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return float(out.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def page_key(page: str) -> str:
    stem = Path(page).stem.lower()
    stem = stem.split("_", 1)[1] if stem[:1].isdigit() and "_" in stem else stem
    return f"page_{stem}_s"


def time_pages(path: Path) -> dict[str, float]:
    """Each page under AppTest on ``path`` with a warm cache (second run timed)."""
    results: dict[str, float] = {}
    for page in PAGES:
        try:
            results[page_key(page)] = page_seconds(page, path)
        except RuntimeError as exc:
            results[page_key(page)] = float("nan")
            print(f"  {exc}", file=sys.stderr)
    return results


def measure_all(path: Path, *, pages: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    out["raw_read_csv_s"] = raw_read_seconds(path)
    cold_times = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as cache:
            os.environ["CTDC_CACHE_DIR"] = cache
            gc.collect()
            start = time.perf_counter()
            load_cached(path)
            cold_times.append(time.perf_counter() - start)
    out["load_cold_s"] = statistics.median(cold_times)
    cache = tempfile.mkdtemp(prefix="ctdc-bench-")
    os.environ["CTDC_CACHE_DIR"] = cache
    frame = load_cached(path).frame
    out["load_warm_s"] = median_seconds(lambda: load_cached(path), repeat=5)
    out["rows"] = float(len(frame))
    for module_path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{module_path.stem}")
        print(f"  {module_path.stem} …", file=sys.stderr)
        try:
            out.update(module.measure(path, frame))
        except Exception as exc:  # a broken benchmark is reported, not fatal
            print(f"  {module_path.stem} failed: {exc!r}", file=sys.stderr)
    if pages:
        out.update(time_pages(path))
    return out


def load_seconds(path: Path, *, repeat: int = 3) -> tuple[float, float, int]:
    """Cold (empty disk cache, median of ``repeat``) and warm (median of 5) loads of
    ``path`` with the app's loader, and its records."""
    old = os.environ.get("CTDC_CACHE_DIR")
    cold = []
    try:
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as cache:
                os.environ["CTDC_CACHE_DIR"] = cache
                gc.collect()
                start = time.perf_counter()
                load_cached(path)
                cold.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as cache:
            os.environ["CTDC_CACHE_DIR"] = cache
            rows = len(load_cached(path).frame)
            warm = median_seconds(lambda: load_cached(path), repeat=5)
    finally:
        if old is None:
            os.environ.pop("CTDC_CACHE_DIR", None)
        else:
            os.environ["CTDC_CACHE_DIR"] = old
    return statistics.median(cold), warm, rows


def measure_demos() -> dict[str, float]:
    """Both demo files: gzipped size in the repository (KB), records, cold and warm load
    (keys ``demo_*`` for the default, ``demo_small_*`` for the 20,000-record fixture)."""
    out: dict[str, float] = {}
    for prefix, path in (("demo", FULL_DEMO_FILE), ("demo_small", SMALL_DEMO_FILE)):
        if not path.is_file():
            continue
        cold, warm, rows = load_seconds(path)
        out[f"{prefix}_file_kb"] = path.stat().st_size / 1000
        out[f"{prefix}_rows"] = float(rows)
        out[f"{prefix}_load_cold_s"] = cold
        out[f"{prefix}_load_warm_s"] = warm
    if "demo_load_cold_s" in out and "demo_small_load_cold_s" in out:
        out["demo_over_small_cold"] = out["demo_load_cold_s"] / out["demo_small_load_cold_s"]
    return out


def replicate(path: Path, k: int, target: Path) -> Path:
    """The file with its records repeated ``k`` times (header once)."""
    text = path.read_bytes()
    header, _, body = text.partition(b"\n")
    body = body.rstrip(b"\n") + b"\n"
    with target.open("wb") as handle:
        handle.write(header + b"\n")
        for _ in range(k):
            handle.write(body)
    return target


def main(argv: list[str] | None = None) -> int:
    from streamlit.logger import set_log_level

    set_log_level("error")  # AppTest page runs otherwise log a line per widget
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEMO_FILE, help="a CTDC data file")
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    parser.add_argument(
        "--scale", type=int, default=1, help="also measure the file replicated K times"
    )
    parser.add_argument("--no-pages", action="store_true", help="skip the AppTest page timings")
    parser.add_argument(
        "--load", action="store_true", help="also the load test (bench_load.py), 5 sessions"
    )
    parser.add_argument(
        "--fragments", action="store_true", help="also fragment vs page reruns in a browser"
    )
    args = parser.parse_args(argv)
    if args.fragments:  # read by bench_fragments.measure: minutes and a browser, so asked for
        os.environ["CTDC_BENCH_FRAGMENTS"] = "1"
    if args.load:  # read by bench_load.measure: minutes and a browser, so asked for
        os.environ["CTDC_BENCH_LOAD"] = "1"
    if not args.data.exists():
        print(f"error: no file at {args.data}")
        return 2
    print(f"measuring {args.data.name} (1x) …", file=sys.stderr)
    results: dict[str, float | str] = dict(measure_all(args.data, pages=not args.no_pages))
    results["peak_rss_mb"] = peak_rss_mb()
    if args.scale > 1:
        with tempfile.TemporaryDirectory() as tmp:
            big = replicate(args.data, args.scale, Path(tmp) / f"scaled{args.data.suffix}")
            print(
                f"measuring {args.scale}x ({big.stat().st_size / 2**20:.0f} MiB) …", file=sys.stderr
            )
            scaled = measure_all(big, pages=not args.no_pages)
        suffix = f"_x{args.scale}"
        for key, value in scaled.items():
            results[key + suffix] = value
            base = results.get(key)
            if key.endswith("_s") and isinstance(base, float) and base > 0:
                results[key[:-2] + f"_ratio{suffix}"] = value / base
        results["peak_rss_mb" + suffix] = peak_rss_mb()
    print("measuring the demo files …", file=sys.stderr)
    results.update(measure_demos())
    results["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    cold, raw, warm = results["load_cold_s"], results["raw_read_csv_s"], results["load_warm_s"]
    assert isinstance(cold, float) and isinstance(raw, float) and isinstance(warm, float)
    results["cold_over_raw"] = cold / raw
    results["warm_over_cold"] = warm / cold
    if "models_s" in results and "models_rowlevel_s" in results:
        results["rowlevel_over_models"] = float(results["models_rowlevel_s"]) / float(
            results["models_s"]
        )  # type: ignore[arg-type]
    for key, value in results.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{key:>32}: {shown}")
    if args.json:
        print(
            json.dumps(
                {k: (round(v, 6) if isinstance(v, float) else v) for k, v in results.items()}
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
