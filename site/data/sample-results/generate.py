#!/usr/bin/env python3
"""Makes the sample benchmark results the repository's site shows until real answers exist.

Invented answers for the clusters marked `sample: true` in site/data/clusters/ (never for a
real cluster), two waves, submitted through the real collector (`kume serve --api-only`) with
invitation links, exactly as respondents would, then `kume aggregate` writes the snapshot into
this folder. Every page built from it says that it shows sample data.

    python3 site/data/sample-results/generate.py target/release/kume
    python3 site/data/sample-results/generate.py target/release/kume --check

`--check` writes nothing: it fails when the committed files differ from what the generator
makes today (run by `.ci/test`).

Deterministic: the same seed gives the same answers.
"""
import csv
import io
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
OUT = Path(__file__).resolve().parent
WAVES = (2025, 2026)
SURVEYS = ("kume-yoneticisi", "uye-firma")


def sample_clusters():
    out = []
    for f in sorted((REPO / "site/data/clusters").glob("*.yaml")):
        text = f.read_text(encoding="utf-8")
        if re.search(r"^sample:\s*true\s*$", text, re.M):
            province = re.search(r"^province:\s*\"?(\w+)", text, re.M)
            out.append((f.stem, province.group(1) if province else "TR000"))
    return out


def prepare_root(tmp):
    root = Path(tmp) / "site-root"
    for part in ("site", "surveys", "templates"):
        shutil.copytree(REPO / part, root / part)
    return root


def set_wave(root, wave):
    """The answering period is opened for the generation; the wave is the year answered."""
    for survey in SURVEYS:
        path = root / "surveys" / f"{survey}.yaml"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"^wave: \d+$", f"wave: {wave}", text, flags=re.M)
        text = re.sub(r"^opens: .*$", "opens: 2020-01-01", text, flags=re.M)
        text = re.sub(r"^closes: .*$", "closes: 2099-12-31", text, flags=re.M)
        path.write_text(text, encoding="utf-8")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(kume, *args):
    r = subprocess.run([kume, *args], capture_output=True, text=True, env={**os.environ, "CI": "1"})
    if r.returncode != 0:
        sys.exit(f"kume {' '.join(args)} failed:\n{r.stderr}")
    return r.stdout


def invite(kume, root, db, survey, roster):
    path = root / f"roster-{survey}.csv"
    path.write_text(roster, encoding="utf-8")
    links = run(kume, "invite", "--root", str(root), "--db", str(db), "--survey", survey,
                "--roster", str(path))
    return [line.split("t=")[1].split("&")[0] for line in links.splitlines()[1:] if "t=" in line]


def post(addr, survey, token, fields):
    body = urllib.parse.urlencode(fields + [("_lang", "tr"), ("_token", token)]).encode()
    req = urllib.request.Request(f"http://{addr}/api/v1/surveys/{survey}/responses", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(req)
    except urllib.error.HTTPError as e:
        if e.code != 303:
            page = e.read().decode("utf-8", "replace")
            errors = re.findall(r'class="error[^"]*"[^>]*>([^<]+)', page)
            sys.exit(f"{survey}: HTTP {e.code} for {fields}\n{errors[:10] or page[:2000]}")


def tr_decimal(x):
    return f"{x:.1f}".replace(".", ",")


def manager_answers(rng, fixed, size, growth):
    """`fixed` draws what a cluster keeps from one wave to the next; `rng` the yearly noise."""
    kobi = int(size * rng.uniform(0.8, 1.2))
    members = [kobi, rng.randint(1, 8), rng.randint(1, 4), rng.randint(1, 5), rng.randint(0, 6)]
    total = sum(members)
    budget = int(total * fixed.uniform(9000, 30000) * growth)
    shares = [rng.uniform(0.05, 0.3) for _ in range(6)]
    parts = [int(budget * s / sum(shares)) for s in shares]
    parts[-1] += budget - sum(parts)
    board = fixed.randint(5, 11)
    label = fixed.choices(["yok", "bronz", "gumus"], weights=[6, 3, 1])[0]
    services = rng.sample(["bilgi", "eslestirme", "egitim_ik", "uluslararasilasma", "arge_inovasyon",
                           "ortak_alim_uretim", "finansmana_erisim", "pazarlama", "dijital_yesil"],
                          rng.randint(3, 8))
    projects = rng.randint(0, 8)
    shared = rng.randint(0, 3)
    f = [
        ("kobi_uye_sayisi", kobi), ("buyuk_uye_sayisi", members[1]),
        ("universite_uye_sayisi", members[2]), ("kamu_uye_sayisi", members[3]),
        ("diger_uye_sayisi", members[4]),
        ("onceki_yil_uye_sayisi", int(total / growth * rng.uniform(0.9, 1.0))),
        ("uye_calisan_sayisi", int(kobi * fixed.uniform(25, 90) * rng.uniform(0.95, 1.05))),
        ("yonetim_ekibi_tze", tr_decimal(rng.uniform(1, 5))),
        ("yonetim_kurulu_uye_sayisi", board),
        ("sanayi_temsilcisi_sayisi", rng.randint(2, board)),
        ("strateji_durumu", str(rng.randint(0, 3))),
        ("ekip_egitim_gunu", rng.randint(0, 20)),
        ("kurulus_yili", fixed.randint(2009, 2020)),
        ("hukuki_statu", fixed.choice(["dernek", "kooperatif", "sirket", "protokol"])),
        ("toplam_butce", budget),
    ]
    for row, amount in zip(["aidat", "hizmet", "ulusal_kamu", "bolgesel_kamu", "ab_uluslararasi",
                            "ozel_diger"], parts):
        f.append((f"butce_kaynaklari.{row}.tutar", amount))
    f += [("hizmet_kategorileri", s) for s in services]
    f += [
        ("etkinlik_sayisi", rng.randint(2, 30)),
        ("aktif_uye_sayisi", int(total * rng.uniform(0.3, 0.8))),
        ("ortak_proje_sayisi", projects),
    ]
    if projects:
        f.append(("universite_ortakli_proje_sayisi", rng.randint(0, projects)))
    for row in ["kdp", "urge", "kosgeb", "tubitak", "kalkinma_ajansi", "ab", "diger"]:
        f.append((f"destek_fonlari.{row}.tutar", rng.choice([0, 0, int(budget * rng.uniform(0.1, 1))])
                  if row != "diger" else 0))
    f += [
        ("uluslararasi_anlasma_sayisi", rng.randint(0, 4)),
        ("uluslararasi_heyet_sayisi", rng.randint(0, 5)),
        ("ortak_kullanim_yapi_sayisi", shared),
    ]
    if shared:
        f.append(("ortak_kullanim_firma_sayisi", rng.randint(1, 15)))
    f.append(("esca_etiketi", label))
    if label != "yok":
        f.append(("esca_etiket_tarihi", f"{fixed.randint(2016, 2024)}-0{fixed.randint(1, 9)}-15"))
    f += [("eccp_profili", fixed.choice(["evet", "hayir"])), ("medya_haber_sayisi", rng.randint(0, 40))]
    return [(k, str(v)) for k, v in f]


def firm_answers(rng, nace, province, wave, mood):
    exporter = rng.random() < 0.6
    f = [("nace_bolumu", nace), ("il", province), ("calisan_sayisi", rng.randint(8, 240)),
         ("ciro_araligi", rng.choice(["m10_50", "m50_100", "m100_500", "m500_1000"])),
         ("ihracat_yapiyor", "evet" if exporter else "hayir")]
    if exporter:
        last = rng.randint(2, 300) * 100_000
        f += [(f"ihracat_{wave}" if wave == 2026 else "ihracat_2026", int(last * rng.uniform(0.9, 1.3))),
              ("ihracat_2025", last)]
    f += [("etkinlik_katilim_sayisi", rng.randint(0, 12)), ("isbirligi_uye_sayisi", rng.randint(0, 10)),
          ("yeni_urun_surec_sayisi", rng.randint(0, 5))]
    f += [(f"kume_etkisi.{r}", rng.randint(0, 4)) for r in ("ar_ge", "is_gelistirme", "uluslararasi")]
    f += [(f"memnuniyet.s{i}", min(5, max(1, round(rng.gauss(mood, 0.9))))) for i in range(1, 5)]
    f.append(("tavsiye_olasiligi", min(10, max(0, round(rng.gauss(mood * 2, 1.8))))))
    return [(k, str(v)) for k, v in f]


def cluster_nace(cluster):
    text = (REPO / "site/data/clusters" / f"{cluster}.yaml").read_text(encoding="utf-8")
    m = re.search(r"^nace:\s*\[\"?(\d{2})", text, re.M) or re.search(r"^\s+-\s+\"?(\d{2})", text, re.M)
    return m.group(1) if m else "25"


def differences(made: Path) -> list[str]:
    """Files that differ between a freshly made snapshot and the committed one."""
    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
                if p.is_file() and p.name != Path(__file__).name}
    new, old = files(made), files(OUT)
    return sorted(name for name in new.keys() | old.keys() if new.get(name) != old.get(name))


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    check = "--check" in sys.argv[1:]
    kume = args[0] if args else str(REPO / "target/release/kume")
    rng = random.Random(2026)
    clusters = sample_clusters()
    with tempfile.TemporaryDirectory() as tmp:
        root = prepare_root(tmp)
        db = Path(tmp) / "sample.sqlite"
        profile = {c: (rng.randint(25, 110), rng.uniform(2.8, 4.4), rng.randint(5, 11)) for c, _ in clusters}
        for wave in WAVES:
            set_wave(root, wave)
            addr = f"127.0.0.1:{free_port()}"
            server = subprocess.Popen([kume, "serve", "--root", str(root), "--api-only", "--db", str(db),
                                       "--addr", addr, "--rate-limit", "0", "--open-survey-limit", "0"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      env={**os.environ, "CI": "1"})
            try:
                for _ in range(200):
                    try:
                        urllib.request.urlopen(f"http://{addr}/api/v1/health")
                        break
                    except OSError:
                        time.sleep(0.1)
                growth = 1.0 if wave == WAVES[0] else None
                managers = invite(kume, root, db, "kume-yoneticisi",
                                  "cluster\n" + "".join(f"{c}\n" for c, _ in clusters))
                for (cluster, _), token in zip(clusters, managers):
                    size, mood, firms = profile[cluster]
                    g = growth or rng.uniform(0.95, 1.2)
                    fixed = random.Random(cluster)
                    post(addr, "kume-yoneticisi", token, manager_answers(rng, fixed, size * g, g))
                roster = io.StringIO()
                w = csv.writer(roster, lineterminator="\n")
                w.writerow(["firm", "cluster"])
                owners = []
                for cluster, _ in clusters:
                    n = profile[cluster][2] + (wave - WAVES[0]) * rng.randint(-1, 2)
                    for i in range(max(n, 3)):
                        w.writerow([f"Örnek Firma {i + 1} ({cluster})", cluster])
                        owners.append(cluster)
                firms = invite(kume, root, db, "uye-firma", roster.getvalue())
                for cluster, token in zip(owners, firms):
                    province = dict(clusters)[cluster]
                    post(addr, "uye-firma", token,
                         firm_answers(rng, cluster_nace(cluster), province, wave, profile[cluster][1]))
            finally:
                server.terminate()
                server.wait()
        snapshot = Path(tmp) / "snapshot"
        run(kume, "aggregate", "--root", str(root), "--db", str(db), "--out", str(snapshot))
        if check:
            changed = differences(snapshot)
            if changed:
                sys.exit("the committed sample results are not what the generator makes today: "
                         + ", ".join(changed) + "\nrun: python3 site/data/sample-results/generate.py KUME")
            print(f"sample results: the committed files are what the generator makes ({OUT.relative_to(REPO)})")
            return
        for old in OUT.iterdir():
            if old.name != Path(__file__).name:
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        shutil.copytree(snapshot, OUT, dirs_exist_ok=True)
    print(f"sample results for {len(clusters)} clusters, waves {WAVES} → {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
