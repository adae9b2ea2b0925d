#!/usr/bin/env python3
"""Writes the sample employment table (site/data/employment/sample.csv).

SAMPLE DATA, NOT OFFICIAL STATISTICS. No published province x NACE-division employment table
could be obtained under a licence that allows reuse, so Kume ships a made-up table with the same
shape as SGK's 4/a table: every province (İBBS-3 code, from surveys/lists/iller.yaml) x every
NACE Rev. 2 division (surveys/lists/nace_bolumleri.yaml), for two years. Every value is drawn
from a seeded random generator; none comes from, or approximates, a real figure. Every row says
`sample` in its source column, and every page that shows it says so.

The output is deterministic: the same seed gives the same file, byte for byte.

    python3 site/data/employment/generate_sample.py                  # rewrites the shipped sample
    python3 site/data/employment/generate_sample.py --out big.csv --seed 7
"""

import argparse
import math
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
YEARS = (2023, 2024)
# A small share of cells is marked confidential (C), as statistical offices do for cells that
# would reveal a single employer.
CONFIDENTIAL_SHARE = 0.01


def codes(list_file: str) -> list[str]:
    text = (ROOT / "surveys" / "lists" / list_file).read_text(encoding="utf-8")
    return re.findall(r'^\s*- \{code: "([^"]+)"', text, flags=re.M)


def rows(seed: int):
    rng = random.Random(seed)
    provinces = codes("iller.yaml")
    divisions = codes("nace_bolumleri.yaml")
    # Made-up sizes: a long-tailed spread of province and sector sizes.
    province_size = {p: math.exp(rng.gauss(0, 1.0)) for p in provinces}
    sector_size = {d: math.exp(rng.gauss(0, 1.1)) for d in divisions}
    sector_growth = {d: rng.gauss(0.02, 0.05) for d in divisions}
    firm_size = {d: rng.uniform(3, 40) for d in divisions}
    for p in provinces:
        for d in divisions:
            affinity = math.exp(rng.gauss(0, 0.9))
            base = 400 * province_size[p] * sector_size[d] * affinity
            employees = [round(base)]
            employees.append(round(base * (1 + sector_growth[d] + rng.gauss(0, 0.08))))
            for year, e in zip(YEARS, employees):
                e = max(e, 0)
                if rng.random() < CONFIDENTIAL_SHARE:
                    yield (year, p, d, "C", "C")
                    continue
                workplaces = max(1, round(e / firm_size[d] * rng.uniform(0.7, 1.3))) if e else 0
                yield (year, p, d, str(e), str(workplaces))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "site/data/employment/sample.csv")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    lines = ["year,ibbs3,nace2,employees,workplaces,source,source_table,retrieved_on,note"]
    for year, p, d, e, w in sorted(rows(args.seed)):
        lines.append(f"{year},{p},{d},{e},{w},sample,,,")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
