#!/usr/bin/env python3
"""An independent implementation of Kume's sector analysis, to check `kume analyse`.

Reads the same employment tables (site/data/employment/*.csv) and floors (analysis.yaml),
computes every figure from the definitions in docs/sectors.md with the standard library
only, and compares them with the `sectors.json` that `kume analyse` wrote. Exits 1 on any
difference larger than a rounding error.

    kume analyse --out data/sectors
    python3 tests/tools/sector_check.py --root . --json data/sectors/sectors.json

With --eurostat it reads instead Eurostat's raw bulk TSV (lfst_r_lfe2en2.tsv: thousands of
persons, `:` missing, flags after a space) and checks the İBBS-2 × activity analysis that
`kume analyse` wrote after `kume import eurostat` (sectors-ibbs2-section.json): every location
quotient and shift-share of the latest year, from the country's own rows as reference totals.
--print writes the figures of B-E in TR41 as JSON (for the Rust test to compare).

    python3 tests/tools/sector_check.py --eurostat lfst_r_lfe2en2.tsv --json data/sectors/sectors-ibbs2-section.json

(The PyPI package `shiftshare` is not installable from the package index this project's CI
uses, so this script is the second implementation.)
"""

import argparse
import csv
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

TOLERANCE = 1e-9


def read_floors(root: Path) -> tuple[int, int]:
    floors = {"min_employees": 50, "min_workplaces": 3}
    path = root / "site/data/employment/analysis.yaml"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in floors and value.strip():
                floors[key.strip()] = int(value.split("#")[0])
    return floors["min_employees"], floors["min_workplaces"]


def read_rows(root: Path) -> list[dict]:
    rows = []
    for path in sorted((root / "site/data/employment").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if "ibbs3" not in (reader.fieldnames or []):
                continue  # a region table (region, activity): checked with --eurostat
            for r in reader:
                count = lambda v: None if v in (None, "", "C") else int(v)
                rows.append({
                    "year": int(r["year"]),
                    "province": r["ibbs3"],
                    "sector": r["nace2"],
                    "emp": count(r["employees"]),
                    "confidential": r["employees"] == "C",
                    "est": count(r.get("workplaces")),
                })
    return rows


def quantile(values: list[float], q: float) -> float:
    """Type-7 quantile (the default of R and NumPy)."""
    v = sorted(values)
    h = (len(v) - 1) * q
    lo = math.floor(h)
    return v[lo] + (h - lo) * (v[min(lo + 1, len(v) - 1)] - v[lo])


def totals(rows, year):
    prov, sect, nation = defaultdict(float), defaultdict(float), 0.0
    for r in rows:
        if r["year"] == year and r["emp"] is not None:
            prov[r["province"]] += r["emp"]
            sect[r["sector"]] += r["emp"]
            nation += r["emp"]
    return prov, sect, nation


def compute(rows, min_emp, min_est):
    years = sorted({r["year"] for r in rows})
    year, base = years[-1], (years[0] if len(years) > 1 else None)
    prov, sect, nation = totals(rows, year)
    cur = [r for r in rows if r["year"] == year]
    by_sector = defaultdict(list)
    for r in cur:
        if r["emp"]:
            by_sector[r["sector"]].append(r)
    lq = lambda r: (r["emp"] / prov[r["province"]]) / (sect[r["sector"]] / nation)
    cells = {}
    for r in cur:
        key = (r["province"], r["sector"])
        c = {"lq": None, "stars": None, "strong": None, "size_rank": None, "suppressed": None}
        cells[key] = c
        if r["emp"] is None:
            c["suppressed"] = "confidential"
            continue
        if r["emp"] < min_emp or (r["est"] is not None and r["est"] < min_est):
            c["suppressed"] = "below_floor"
            continue
        group = by_sector[r["sector"]]
        n = len(group)
        top = -(-n // 10)
        emps = sorted((g["emp"] for g in group), reverse=True)
        foci = sorted((g["emp"] / prov[g["province"]] for g in group), reverse=True)
        rank = emps.index(r["emp"]) + 1
        focus = r["emp"] / prov[r["province"]]
        c["lq"] = lq(r)
        c["size_rank"] = rank
        c["stars"] = {
            "size": rank <= top,
            "specialisation": c["lq"] >= 2,
            "focus": foci.index(focus) + 1 <= top,
        }
        ests = [g["est"] for g in group if g["est"] is not None]
        if r["est"] is not None and ests:
            c["strong"] = (
                c["lq"] >= quantile([lq(g) for g in group], 0.75)
                and c["lq"] >= 1
                and r["emp"] > quantile([g["emp"] for g in group], 0.25)
                and r["est"] > quantile(ests, 0.25)
            )
    if base is not None:
        bprov, bsect, bnation = totals(rows, base)
        old = {(r["province"], r["sector"]): r["emp"] for r in rows if r["year"] == base}
        g_n = nation / bnation - 1
        for r in cur:
            c = cells[(r["province"], r["sector"])]
            e0 = old.get((r["province"], r["sector"]))
            if c["suppressed"] or e0 is None or e0 < min_emp or e0 == 0:
                continue
            g_ir = r["emp"] / e0 - 1
            g_in = sect[r["sector"]] / bsect[r["sector"]] - 1
            c["growth"] = g_ir
            c["cagr"] = (r["emp"] / e0) ** (1 / (year - base)) - 1
            c["shift"] = (e0 * g_n, e0 * (g_in - g_n), e0 * (g_ir - g_in))
    hhi = {}
    for s, group in by_sector.items():
        shares = [g["emp"] / sect[s] for g in group]
        hhi[s] = sum(x * x for x in shares)
    krugman = {}
    for p, e_r in prov.items():
        own = {r["sector"]: (r["emp"] or 0) for r in cur if r["province"] == p}
        krugman[p] = sum(abs(own.get(s, 0) / e_r - e / nation) for s, e in sect.items())
    return {"year": year, "base": base, "nation": nation, "cells": cells, "hhi": hhi, "krugman": krugman}


def read_eurostat(path: Path, unit="THS", age="Y_GE15", country="TR") -> dict:
    """{(year, geo, nace): thousands} from the raw TSV; `:` cells are left out."""
    values = {}
    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        dims = header[0].split("\\")[0].split(",")
        years = [int(y) for y in header[1:]]
        for line in f:
            cells = line.rstrip("\n").split("\t")
            key = dict(zip(dims, cells[0].split(",")))
            if key["unit"] != unit or key.get("age", age) != age or not key["geo"].startswith(country):
                continue
            for year, cell in zip(years, cells[1:]):
                figure = cell.strip().split(" ")[0]
                if figure != ":":
                    values[(year, key["geo"], key["nace_r2"])] = float(figure)
    return values


def eurostat_figures(values: dict, country="TR") -> dict:
    """LQ and shift-share of every İBBS-2 region × activity (not TOTAL, not NRP) in the
    latest year, from the first year with activity figures; the country's rows are the
    reference totals. Figures in persons."""
    cells = {k for k in values if len(k[1]) == 4 and k[2] not in ("TOTAL", "NRP")}
    years = sorted({k[0] for k in cells})
    year, base = years[-1], years[0]
    v = lambda y, geo, nace: values.get((y, geo, nace))
    out = {}
    g_n = v(year, country, "TOTAL") / v(base, country, "TOTAL") - 1
    for (y, geo, nace) in sorted(cells):
        if y != year:
            continue
        e = v(year, geo, nace)
        lq = (e / v(year, geo, "TOTAL")) / (v(year, country, nace) / v(year, country, "TOTAL"))
        fig = {"lq": lq, "shift_share": None}
        e0 = v(base, geo, nace)
        if e0:
            g_in = v(year, country, nace) / v(base, country, nace) - 1
            g_ir = e / e0 - 1
            p0 = e0 * 1000
            fig["shift_share"] = {"national": p0 * g_n, "industry_mix": p0 * (g_in - g_n), "regional": p0 * (g_ir - g_in)}
        out[(geo, nace)] = fig
    return {"year": year, "base": base, "cells": out}


def check_eurostat(tsv: Path, kume_json: Path | None, show: bool) -> int:
    ours = eurostat_figures(read_eurostat(tsv))
    if show:
        print(json.dumps({"year": ours["year"], "base_year": ours["base"], "TR41 B-E": ours["cells"][("TR41", "B-E")]}))
    if kume_json is None:
        return 0
    kume = json.loads(kume_json.read_text(encoding="utf-8"))
    problems = []
    if (kume["year"], kume["base_year"]) != (ours["year"], ours["base"]):
        problems.append(f'years: kume {kume["year"]}/{kume["base_year"]}, independent {ours["year"]}/{ours["base"]}')
    close = lambda a, b: a is not None and b is not None and abs(a - b) <= TOLERANCE * max(1.0, abs(b))
    for c in kume["cells"]:
        mine = ours["cells"].get((c["province"], c["sector"]))
        where = f'{c["province"]} {c["sector"]}'
        if mine is None:
            problems.append(f"{where}: not in the raw table")
            continue
        if not close(c["lq"], mine["lq"]):
            problems.append(f'{where} lq: kume {c["lq"]!r}, independent {mine["lq"]!r}')
        for name in ("national", "industry_mix", "regional"):
            a = (c["shift_share"] or {}).get(name)
            b = (mine["shift_share"] or {}).get(name)
            if (a is None) != (b is None) or (a is not None and not close(a, b)):
                problems.append(f"{where} shift {name}: kume {a!r}, independent {b!r}")
    if len(kume["cells"]) != len(ours["cells"]):
        problems.append(f'{len(kume["cells"])} cells from kume, {len(ours["cells"])} independent')
    for p in problems[:30]:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} differences", file=sys.stderr)
        return 1
    print(f"Eurostat region analysis: {len(kume['cells'])} location quotients and shift-shares ({ours['base']}–{ours['year']}) agree with the independent computation from the raw table", file=sys.stderr)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description="Check kume analyse against an independent implementation.")
    ap.add_argument("--root", type=Path, default=Path("."))
    ap.add_argument("--json", type=Path, help="sectors.json (or sectors-ibbs2-section.json) written by kume analyse")
    ap.add_argument("--eurostat", type=Path, help="Eurostat's raw bulk TSV (lfst_r_lfe2en2.tsv)")
    ap.add_argument("--print", action="store_true", help="with --eurostat: print the figures of B-E in TR41 as JSON")
    args = ap.parse_args()
    if args.eurostat:
        return check_eurostat(args.eurostat, args.json, args.print)
    if args.json is None:
        ap.error("--json is required")
    ours = compute(read_rows(args.root), *read_floors(args.root))
    kume = json.loads(args.json.read_text(encoding="utf-8"))
    problems = []

    def same(what, a, b):
        if a is None or b is None or isinstance(a, (bool, str, dict)):
            if a != b:
                problems.append(f"{what}: kume {a!r}, independent {b!r}")
        elif abs(a - b) > TOLERANCE * max(1.0, abs(b)):
            problems.append(f"{what}: kume {a!r}, independent {b!r}")

    same("year", kume["year"], ours["year"])
    same("base year", kume["base_year"], ours["base"])
    same("national employment", kume["national_employees"], ours["nation"])
    checked = 0
    for c in kume["cells"]:
        mine = ours["cells"][(c["province"], c["sector"])]
        where = f'{c["province"]} {c["sector"]}'
        for key in ("suppressed", "lq", "size_rank", "stars", "strong"):
            same(f"{where} {key}", c[key], mine[key])
        same(f"{where} growth", c["growth"], mine.get("growth"))
        same(f"{where} cagr", c["cagr"], mine.get("cagr"))
        if mine.get("shift") is not None and c["shift_share"] is not None:
            for name, value in zip(("national", "industry_mix", "regional"), mine["shift"]):
                same(f"{where} shift {name}", c["shift_share"][name], value)
        else:
            same(f"{where} shift-share", c["shift_share"], mine.get("shift"))
        checked += 1
    for s in kume["sectors"]:
        same(f'HHI {s["code"]}', s["hhi"], ours["hhi"].get(s["code"]))
    for p in kume["provinces"]:
        same(f'Krugman {p["code"]}', p["krugman"], ours["krugman"].get(p["code"]))
    if len(kume["cells"]) != len(ours["cells"]):
        problems.append(f'{len(kume["cells"])} cells from kume, {len(ours["cells"])} independent')
    for p in problems[:30]:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} differences", file=sys.stderr)
        return 1
    print(f"sector analysis: {checked} cells, {len(kume['sectors'])} HHI and {len(kume['provinces'])} Krugman values agree with the independent implementation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
