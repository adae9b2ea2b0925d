#!/usr/bin/env python3
"""Times `kume analyse` on the full table: 81 provinces x 88 NACE divisions x 2 years.

The table comes from site/data/employment/generate_sample.py (made-up sample data), written into a
temporary project with the repository's config and built-in lists. Prints the time of each
run and the median; exits 1 if a run fails.

    cargo build --release
    python3 benches/sector_analysis.py --kume target/release/kume --runs 10
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kume", type=Path, default=ROOT / "target/release/kume")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kume-sectors-") as tmp:
        project = Path(tmp)
        shutil.copytree(ROOT / "surveys/lists", project / "surveys/lists")
        (project / "site").mkdir()
        shutil.copy(ROOT / "site/config.yaml", project / "site/config.yaml")
        table = project / "site/data/employment/sample.csv"
        subprocess.run([sys.executable, str(ROOT / "site/data/employment/generate_sample.py"), "--out", str(table)], check=True)
        rows = sum(1 for _ in table.open(encoding="utf-8")) - 1
        times = []
        for i in range(args.runs):
            start = time.perf_counter()
            run = subprocess.run(
                [str(args.kume), "analyse", "--root", str(project), "--out", str(project / "out")],
                capture_output=True, text=True, env={"CI": "1"},
            )
            elapsed = time.perf_counter() - start
            if run.returncode != 0:
                print(run.stderr, file=sys.stderr)
                return 1
            times.append(elapsed)
            print(f"run {i + 1}: {elapsed * 1000:.0f} ms")
        print(f"kume analyse, {rows} rows (81 x 88 x 2): median {statistics.median(times) * 1000:.0f} ms, "
              f"min {min(times) * 1000:.0f} ms over {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
