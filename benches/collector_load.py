#!/usr/bin/env python3
"""Collector load benchmark: accepted responses per second and latency at fixed concurrency.

Starts `kume serve --api-only` on 127.0.0.1 with a fresh database (fsync on every commit, as in
production), drives it with wrk (Debian package `wrk`) posting JSON answers with unique
idempotency keys, then counts the stored rows and reads the server's peak memory. In the same
run it measures the machine's ceiling: raw batched SQLite inserts with the collector's settings
(`cargo bench --bench sqlite_ceiling`).

With `--db postgresql://user@host:port/db` the same load also runs against PostgreSQL, in the
same run as the SQLite baseline: once with one collector and once with two collectors on one
database (the connections split between them, each driven by its own wrk; the p99 reported is
the larger of the two). Each PostgreSQL case gets a fresh database made beside the one named
(`psql` from Debian's `postgresql-client` creates, counts and drops it), so the user in the
address needs CREATEDB.

    python3 benches/collector_load.py --kume target/release/kume [--connections 64] [--seconds 10]
    python3 benches/collector_load.py --kume target/release/kume --no-ceiling \
        --db postgresql://kume@127.0.0.1:5432/postgres
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

WRK_SCRIPT = r"""
-- Every request has its own idempotency key: "<wrk>-<thread>-<n>" (the prefix is set per
-- thread; BASE tells apart the wrk processes of a run with several collectors).
local threads = 0
local counter = 0
function setup(thread)
  threads = threads + 1
  thread:set("prefix", "BASE-t" .. threads .. "-" .. os.time())
end
request = function()
  counter = counter + 1
  local body = '{"answers":{"uye_mi":"evet","uye_sayisi":8,"aktif_uye":2},"lang":"tr","key":"' .. prefix .. '-' .. counter .. '"}'
  return wrk.format("POST", "/api/v1/surveys/deneme/responses", {["Content-Type"] = "application/json"}, body)
end
"""


def make_site(root: Path) -> None:
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "site/i18n", root / "site/i18n")
    # The guidebook's templates name guidebook pages this minimal site does not have.
    shutil.copytree(REPO / "site/static", root / "site/static",
                    ignore=lambda d, names: ["rehber"] if Path(d) == REPO / "site/static" else [])
    shutil.copytree(REPO / "tests/fixtures/base", root, dirs_exist_ok=True)
    (root / "surveys").mkdir()
    shutil.copy(REPO / "tests/fixtures/surveys/deneme.yaml", root / "surveys/deneme.yaml")


def start_server(kume: str, root: Path, db: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [kume, "serve", "--api-only", "--root", str(root), "--db", db, "--addr", "127.0.0.1:0",
         # One client sends everything here: the per-client limit is lifted for the benchmark.
         "--rate-limit", "0", "--open-survey-limit", "0"],
        stderr=subprocess.PIPE, text=True, env={"CI": "1", "PATH": "/usr/bin:/bin"},
    )
    for line in proc.stderr:
        if line.startswith("Serving on http://"):
            # Keep reading the request log, or the server would block on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, line.split("http://")[1].split("/")[0]
    raise SystemExit("the server did not start")


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def parse_wrk(out: str) -> dict:
    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "p50_ms": ms(lat["50"]),
        "p99_ms": ms(lat["99"]),
    }


def ceiling() -> dict:
    out = subprocess.run(["cargo", "bench", "--quiet", "--bench", "sqlite_ceiling", "--", "100000", "512"],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def psql(url: str, sql: str) -> str:
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


def sibling(url: str, name: str) -> str:
    """The address of database `name` on the same server as `url`."""
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")


def run_load(kume: str, root: Path, db: str, collectors: int, args) -> dict:
    """Starts `collectors` collectors on `db`, drives them at once, and merges what wrk saw."""
    scripts = []
    for n in range(collectors):
        scripts.append(root / f"post-{n}.lua")
        scripts[-1].write_text(WRK_SCRIPT.replace("BASE", f"w{n}"))
    servers = [start_server(kume, root, db) for _ in range(collectors)]
    try:
        loads = [
            subprocess.Popen(
                ["wrk", f"-t{max(1, args.threads // collectors)}", f"-c{args.connections // collectors}",
                 f"-d{args.seconds}s", "--latency", "-s", str(script),
                 f"http://{addr}/api/v1/surveys/deneme/responses"],
                stdout=subprocess.PIPE, text=True)
            for (_, addr), script in zip(servers, scripts)
        ]
        outs = [load.communicate()[0] for load in loads]
        rss = [peak_rss_mib(proc.pid) for proc, _ in servers]
    finally:
        for proc, _ in servers:
            proc.terminate()
        for proc, _ in servers:
            proc.wait(timeout=30)
    parts = [parse_wrk(out) for out in outs]
    return {
        "requests_per_second": round(sum(p["requests_per_second"] for p in parts), 1),
        "requests": sum(p["requests"] for p in parts),
        "non_2xx": sum(p["non_2xx"] for p in parts),
        "p50_ms": max(p["p50_ms"] for p in parts),
        "p99_ms": max(p["p99_ms"] for p in parts),
        "collectors": collectors,
        "server_peak_rss_mib": round(max(rss), 1),
    }


def finish(result: dict, stored: int, args) -> dict:
    # Every request has a new key, so every 2xx is a new row: the two must agree.
    result["accepted_per_second"] = round(stored / args.seconds)
    result.update({"stored_rows": stored, "connections": args.connections, "seconds": args.seconds})
    return result


def postgres_case(kume: str, root: Path, url: str, collectors: int, args) -> dict:
    name = f"kume_load_{os.getpid()}_{collectors}"
    psql(url, f"CREATE DATABASE {name}")
    try:
        db = sibling(url, name)
        result = run_load(kume, root, db, collectors, args)
        stored = int(psql(db, "SELECT count(*) FROM responses"))
        return finish(result, stored, args)
    finally:
        psql(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kume", default=str(REPO / "target/release/kume"))
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--db", metavar="postgresql://…",
                    help="also measure PostgreSQL with one and two collectors (a server where the user may create databases)")
    ap.add_argument("--no-ceiling", action="store_true",
                    help="skip the raw SQLite ceiling (it compiles and runs a cargo bench)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    if args.db and not shutil.which("psql"):
        raise SystemExit("psql is needed for --db: apt-get install -y postgresql-client")
    with tempfile.TemporaryDirectory(prefix="kume-load-") as tmp:
        root = Path(tmp)
        make_site(root)
        db = root / "load.sqlite"
        result = run_load(args.kume, root, str(db), 1, args)
        stored = sqlite3.connect(db).execute("SELECT count(*) FROM responses").fetchone()[0]
        result = finish(result, stored, args)
        if args.db:
            result = {"sqlite": result}
            for collectors in (1, 2):
                result[f"postgresql_{collectors}_collector{'s' if collectors > 1 else ''}"] = \
                    postgres_case(args.kume, root, args.db, collectors, args)
    if not args.no_ceiling:
        baseline = result.get("sqlite", result)
        baseline["sqlite_ceiling"] = ceiling()
        baseline["share_of_ceiling"] = round(baseline["accepted_per_second"] / baseline["sqlite_ceiling"]["rows_per_second"], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
