#!/usr/bin/env python3
"""Build-speed benchmark: Kume versus Hugo on the same generated corpus.

Method
------
1. Corpus.  For every requested size N a deterministic corpus of N Markdown
   pages is generated (fixed seed; every page has its own RNG derived from
   the seed, N and the page number, so a page is identical whatever else is
   generated).  Pages are spread round-robin over 20 sections (folders) and
   carry front matter (title, description, date, weight) and 3-8 paragraphs
   of mixed Turkish-like and English-like text with Turkish letters, one or
   two headings, a list, bold/italic/code spans, two links to other pages of
   the corpus, and a GFM table on every 10th page.

   The corpus is written twice, byte-identical except for the link targets:
     * into a copy of the repository's own site (R/site/: content, data, UI
       strings and static files; R/templates/ and R/surveys/), as 20 more
       sections of its content, with the site's config (title and base_url
       overridden); Kume so builds the corpus plus the repository's pages, as
       the issue's targets state; links are relative source paths such as
       ``../sec03/page-0042.md``;
     * as a Hugo site (H/hugo.toml, H/content/..., a minimal theme in
       H/layouts/ with the same page elements: head with title, description
       and canonical link, a nav of the sections, the content, and list
       pages that list their pages); links are relative pretty URLs such as
       ``../../sec03/page-0042/``.

2. Builds.  ``kume build --root R --out R/public`` and
   ``hugo --quiet -d public`` (cwd H) run alternately: --warmup discarded
   rounds, then --runs measured rounds, the tools' order reversed every
   round.  Before every build the previous output folder is moved aside
   (into W/spent, deleted when the benchmark ends) and os.sync() called
   (both untimed), so every build is a full build into an empty folder and
   none pays for the previous one's disk writeback.  Moved, not deleted:
   ext4 does not reuse an inode freed in the last minute or more, so a
   build that follows the deletion of 20,000 files spends seconds of
   kernel time in the inode allocator skipping them (``recently_deleted``
   in a kernel profile), a cost of the benchmark's loop that no build on a
   fresh clone pays.  Then (unless --skip-rebuild) --runs more rounds in
   which each build finds its own previous output in place, as a
   maintainer's rebuild does (Kume rewrites only what changed and removes
   what it no longer makes; Hugo overwrites every file).  Each build
   process is spawned by a tiny launcher interpreter and reaped with
   os.wait4(), which gives that process's own resource usage: wall time
   (perf_counter around spawn..reap), user+system CPU time and peak RSS
   (ru_maxrss; see run_measured for why a launcher).  A build that exits
   non-zero, or whose output holds fewer than N index.html files, aborts
   the benchmark with its stderr.  The report gives medians and the
   Kume/Hugo ratio of the medians.

   Before the corpora, the repository's site alone (no corpus) is built the
   same way, Kume only (--skip-site-alone leaves it out): the fixed part of
   every build above, which the issue wants under 0.3 s.

3. Edit latency.  At the largest N, ``kume serve --root R --addr
   127.0.0.1:PORT --out R/serve-public`` is started; once GET / answers 200
   the script edits one page 20 times (10 times write-temp-file-then-rename,
   as editors do, and 10 times a plain in-place overwrite, alternating),
   each time appending a unique marker paragraph, and polls the page's URL
   every 2 ms (one keep-alive connection) until the body contains the
   marker, with a 10 s timeout.  Latency = time from just before the write
   starts to the first response that contains the marker.  Then it edits
   templates/page.html 5 times, putting a marker into every page, so that
   each save rebuilds the whole site ("template" row).  The server is
   always stopped at the end and the page and template restored.

Everything is generated in a temp dir on disk by default (the system temp
dir, or the repository's target/ when that is in memory); --tmpfs puts it
under /dev/shm instead, so that the figures leave out the disk's metadata
costs.  The JSON records the filesystem type of the work dir.

Only the Python standard library is used.  Nothing is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 20240611
SECTIONS = 20

# Edit-latency parameters.
EDITS = 20
FULL_EDITS = 5               # template edits: each one rebuilds the whole site
FULL_ANCHOR = "{% block main %}"
POLL_INTERVAL_S = 0.002
EDIT_TIMEOUT_S = 10.0
SETTLE_S = 0.5               # pause between edits so rebuilds do not overlap
SERVER_STARTUP_TIMEOUT_S = 600.0


class BenchError(RuntimeError):
    """A build or the server failed; the message says what and shows stderr."""


# --------------------------------------------------------------------------
# Text generation
# --------------------------------------------------------------------------

TR_WORDS = """
anket katılımcı yanıt soru görüş bağlam çalışma sonuç yöntem veri örneklem
güvenilirlik geçerlilik düşünce sağlık eğitim ekonomi toplum işçi köy kasaba
üniversite öğretmen öğrenci çocuk aile gençlik yaşlı şarkı müzik sanat tarih
coğrafya ölçek ağırlık yüzde ortalama dağılım ilişki çözüm güneş çiçek ağaç
ışık şehir üzüm değişim kültür yolculuk sınır köprü dağ göl deniz rüzgâr
bahçe kitap ölçüm araştırma gözlem görüşme içerik bölüm sayfa başlık özet
değerlendirme kuruluş belediye mahalle komşuluk göç istihdam gelir harcama
tüketim üretim tarım balıkçılık ormancılık çevre iklim kuraklık yağış
""".split()

TR_GLUE = """
ve bir bu için ile çok daha gibi olarak değil ama şimdi üzerinde arasında
sonra önce göre kadar her bazı bütün yine ancak özellikle ayrıca şöyle
""".split()

EN_WORDS = """
survey participant answer question opinion context study result method data
sample reliability validity thought health education economy society worker
village town university teacher student child family youth elder song music
art history geography scale weight percent average distribution relation
solution sun flower tree light city grape change culture journey border
bridge mountain lake sea wind garden book measure research observation
interview content section page heading summary evaluation institution
municipality neighbourhood migration employment income spending consumption
production farming fishing forestry environment climate drought rainfall
""".split()

EN_GLUE = """
and a the for with very more like as not but now on between after before
according to every some all again however especially also thus of in
""".split()

CODE_SPANS = [
    "kume build", "kume serve", "config.yaml", "_index.md", "weight: 3",
    "yanıt_sayısı", "survey.responses", "lang: tr", "--root site",
    "öğrenci_id", "Σ/n", "base_url",
]


def tr_capitalize(word: str) -> str:
    """Capitalize with Turkish dotted/dotless i rules."""
    if not word:
        return word
    first = {"i": "İ", "ı": "I"}.get(word[0], word[0].upper())
    return first + word[1:]


def vocabulary(lang: str) -> tuple[list[str], list[str]]:
    return (TR_WORDS, TR_GLUE) if lang == "tr" else (EN_WORDS, EN_GLUE)


def words(rng: random.Random, lang: str, count: int) -> list[str]:
    content, glue = vocabulary(lang)
    return [rng.choice(glue if rng.random() < 0.35 else content) for _ in range(count)]


def decorate(rng: random.Random, word: str) -> str:
    """Sometimes wrap a word in bold, italic or replace it by a code span."""
    roll = rng.random()
    if roll < 0.05:
        return f"**{word}**"
    if roll < 0.10:
        return f"*{word}*"
    if roll < 0.13:
        return f"`{rng.choice(CODE_SPANS)}`"
    return word


def sentence(rng: random.Random, lang: str) -> str:
    ws = words(rng, lang, rng.randint(6, 16))
    ws[0] = tr_capitalize(ws[0]) if lang == "tr" else ws[0].capitalize()
    return " ".join(decorate(rng, w) for w in ws) + rng.choice([".", ".", ".", "?", "!"])


def paragraph(rng: random.Random, lang: str) -> str:
    return " ".join(sentence(rng, lang) for _ in range(rng.randint(3, 7)))


def title_text(rng: random.Random) -> str:
    lang = rng.choice(["tr", "tr", "en"])
    content, _ = vocabulary(lang)
    ws = [rng.choice(content) for _ in range(rng.randint(3, 6))]
    cap = tr_capitalize if lang == "tr" else str.capitalize
    return " ".join(cap(w) for w in ws)


def yaml_str(text: str) -> str:
    """A YAML double-quoted scalar (also a valid JSON string)."""
    return json.dumps(text, ensure_ascii=False)


# --------------------------------------------------------------------------
# Corpus model
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Corpus:
    pages: int
    seed: int

    @property
    def sections(self) -> int:
        return max(1, min(SECTIONS, self.pages))

    @property
    def width(self) -> int:
        return max(4, len(str(self.pages - 1)))

    def section_of(self, i: int) -> str:
        return f"sec{i % self.sections + 1:02d}"

    def slug_of(self, i: int) -> str:
        return f"page-{i:0{self.width}d}"

    def rel_source(self, i: int) -> str:
        return f"{self.section_of(i)}/{self.slug_of(i)}.md"

    def url_of(self, i: int) -> str:
        return f"/{self.section_of(i)}/{self.slug_of(i)}/"

    def rng(self, i: int, purpose: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.pages}:{i}:{purpose}")

    def title(self, i: int) -> str:
        return title_text(self.rng(i, "title"))


# A link formatter maps (source page, target page) to the href to write.
LinkFormatter = Callable[[Corpus, int, int], str]


def kume_link(corpus: Corpus, _src: int, dst: int) -> str:
    return f"../{corpus.rel_source(dst)}"


def hugo_link(corpus: Corpus, _src: int, dst: int) -> str:
    return f"../../{corpus.section_of(dst)}/{corpus.slug_of(dst)}/"


def gfm_table(rng: random.Random) -> str:
    header = "| Bölge / Region | Katılımcı | Oran (%) | Not |"
    align = "|:---|---:|---:|:---|"
    rows = []
    for _ in range(rng.randint(4, 8)):
        region = tr_capitalize(rng.choice(TR_WORDS))
        count = rng.randint(12, 4800)
        share = rng.uniform(0, 100)
        note = " ".join(words(rng, rng.choice(["tr", "en"]), rng.randint(2, 5)))
        rows.append(f"| {region} | {count} | {share:.1f} | {note} |")
    return "\n".join([header, align, *rows])


def markdown_list(rng: random.Random, lang: str) -> str:
    ordered = rng.random() < 0.4
    items = []
    for n in range(1, rng.randint(3, 6) + 1):
        text = " ".join(decorate(rng, w) for w in words(rng, lang, rng.randint(3, 9)))
        items.append(f"{n}. {text}" if ordered else f"- {text}")
    return "\n".join(items)


def heading(rng: random.Random, level: int) -> str:
    return "#" * level + " " + title_text(rng)


def page_markdown(corpus: Corpus, i: int, link: LinkFormatter) -> str:
    """The full Markdown file of page i (front matter + body)."""
    rng = corpus.rng(i, "body")
    day = date(2019, 1, 1) + timedelta(days=rng.randrange(5 * 365))
    description = sentence(rng, rng.choice(["tr", "en"])).replace("*", "").replace("`", "")
    front = [
        "---",
        f"title: {yaml_str(corpus.title(i))}",
        f"description: {yaml_str(description)}",
        f"date: {day.isoformat()}",
        f"weight: {i // corpus.sections + 1}",
        "---",
    ]
    langs = [rng.choice(["tr", "tr", "en"]) for _ in range(rng.randint(3, 8))]
    blocks = [paragraph(rng, lang) for lang in langs]

    others = [j for j in rng.sample(range(corpus.pages), min(3, corpus.pages)) if j != i][:2]
    for j in others:
        k = rng.randrange(len(blocks))
        see = "Ayrıca bakınız" if langs[k] == "tr" else "See also"
        blocks[k] += f" {see}: [{corpus.title(j)}]({link(corpus, i, j)})."

    inserts = [(rng.randrange(1, len(blocks) + 1), markdown_list(rng, rng.choice(["tr", "en"])))]
    if i % 10 == 0:
        inserts.append((rng.randrange(1, len(blocks) + 1), gfm_table(rng)))
    for n in range(rng.randint(1, 2)):
        inserts.append((rng.randrange(0, len(blocks)), heading(rng, 2 + n)))
    for pos, block in sorted(inserts, key=lambda t: t[0], reverse=True):
        blocks.insert(pos, block)
    return "\n".join(front) + "\n\n" + "\n\n".join(blocks) + "\n"


def index_markdown(title: str, description: str, body: str) -> str:
    return f"---\ntitle: {yaml_str(title)}\ndescription: {yaml_str(description)}\n---\n\n{body}\n"


def write_content(corpus: Corpus, content_dir: Path, link: LinkFormatter) -> None:
    """The corpus's sections and pages; the home page too unless the site has one."""
    content_dir.mkdir(parents=True, exist_ok=True)
    home = content_dir / "_index.md"
    if not home.exists():
        home.write_text(index_markdown(
            "Bench", "Kume build-speed benchmark corpus",
            "Bu site bir **kıyaslama** derlemidir. This site is a benchmark corpus."),
            encoding="utf-8")
    for s in range(corpus.sections):
        name = corpus.section_of(s)
        (content_dir / name).mkdir(exist_ok=True)
        (content_dir / name / "_index.md").write_text(index_markdown(
            f"Bölüm {s + 1:02d} / Section {s + 1:02d}",
            f"Bölüm {s + 1} sayfaları — pages of section {s + 1}",
            paragraph(corpus.rng(-1 - s, "section"), "tr")), encoding="utf-8")
    for i in range(corpus.pages):
        (content_dir / corpus.rel_source(i)).write_text(page_markdown(corpus, i, link), encoding="utf-8")


# --------------------------------------------------------------------------
# Site scaffolding
# --------------------------------------------------------------------------

KUME_MINIMAL_CONFIG = """\
title: {tr: "Bench", en: "Bench"}
description: {tr: "Bench", en: "Bench"}
base_url: "https://bench.example.org"
languages:
  - {code: tr, name: "Türkçe"}
  - {code: en, name: "English"}
"""

KUME_OVERRIDES = {
    "title": '{tr: "Bench", en: "Bench"}',
    "base_url": '"https://bench.example.org"',
}


def override_top_level_yaml(text: str, key: str, value: str) -> str:
    """Replace a top-level `key:` entry (and its indented continuation lines)."""
    out, skipping, found = [], False, False
    for line in text.splitlines():
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        if line.startswith(f"{key}:"):
            out.append(f"{key}: {value}")
            skipping = found = True
            continue
        out.append(line)
    if not found:
        out.append(f"{key}: {value}")
    return "\n".join(out) + "\n"


def kume_config() -> tuple[str, str]:
    """Config text and where it came from (the repo's config if present)."""
    repo_config = REPO_ROOT / "site" / "config.yaml"
    if not repo_config.is_file():
        return KUME_MINIMAL_CONFIG, "minimal (site/config.yaml not in repo)"
    text = repo_config.read_text(encoding="utf-8")
    for key, value in KUME_OVERRIDES.items():
        text = override_top_level_yaml(text, key, value)
    return text, "copied from site/config.yaml (title and base_url overridden)"


def copy_tree_if_present(src: Path, dst: Path) -> bool:
    if not src.is_dir():
        return False
    shutil.copytree(src, dst, dirs_exist_ok=True)
    return True


# What the Kume site takes from the repository: its whole site (content, data such as the
# sample results the config names, UI strings, static files), templates and surveys.
KUME_REPO_TREES = ("site", "templates", "surveys")


def copy_repo_site(root: Path) -> dict:
    """The repository's own site (content, data, templates, surveys) under root, its config's
    title and base_url overridden."""
    root.mkdir(parents=True)
    copied = {name: copy_tree_if_present(REPO_ROOT / name, root / name)
              for name in KUME_REPO_TREES}
    site = root / "site"
    site.mkdir(exist_ok=True)
    config, config_source = kume_config()
    (site / "config.yaml").write_text(config, encoding="utf-8")
    return {"config": config_source, "copied_from_repo": copied}


def write_kume_site(corpus: Corpus, root: Path) -> dict:
    """The repository's own site with the corpus's sections added to its content."""
    info = copy_repo_site(root)
    content = root / "site" / "content"
    clashes = [corpus.section_of(s) for s in range(corpus.sections)
               if (content / corpus.section_of(s)).exists()]
    if clashes:
        raise BenchError(f"the repository's site/content already has {clashes[0]}/: "
                         f"the corpus's sections would mix with it")
    repo_docs = sum(1 for _ in content.rglob("*.md")) if content.is_dir() else 0
    write_content(corpus, content, kume_link)
    return {**info, "repo_markdown_files": repo_docs}


HUGO_CONFIG = """\
baseURL = "https://bench.example.org/"
title = "Bench"
languageCode = "tr"
defaultContentLanguage = "tr"

[params]
description = "Bench"

[markup.goldmark.renderer]
unsafe = false
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} · {{ site.Title }}{{ end }}</title>
<meta name="description" content="{{ with .Description }}{{ . }}{{ else }}{{ site.Params.description }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
</head>
<body>
<header>
<a href="{{ "/" | relURL }}">{{ site.Title }}</a>
<nav><ul>
{{- range site.Home.Sections.ByTitle }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{- end }}
</ul></nav>
</header>
<main>
{{ block "main" . }}{{ end }}
</main>
<footer><p>{{ site.Title }}</p></footer>
</body>
</html>
""",
    "_default/single.html": """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2006-01-02" }}</time>
{{ .Content }}
</article>
{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{- range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a><p>{{ .Description }}</p></li>
{{- end }}
</ul>
{{ end }}
""",
    "index.html": """\
{{ define "main" }}
<h1>{{ site.Title }}</h1>
{{ .Content }}
<ul>
{{- range .Sections }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> ({{ len .Pages }})</li>
{{- end }}
</ul>
{{ end }}
""",
}


def write_hugo_site(corpus: Corpus, root: Path) -> dict:
    root.mkdir(parents=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for rel, text in HUGO_LAYOUTS.items():
        path = root / "layouts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    write_content(corpus, root / "content", hugo_link)
    static = copy_tree_if_present(REPO_ROOT / "site" / "static", root / "static")
    return {"copied_static": static}


def make_corpus(corpus: Corpus, workdir: Path) -> dict:
    base = workdir / f"n{corpus.pages}"
    t0 = time.perf_counter()
    kume_info = write_kume_site(corpus, base / "kume")
    hugo_info = write_hugo_site(corpus, base / "hugo")
    content = base / "hugo" / "content"  # the corpus alone (Kume's also has the repo's pages)
    size = sum(p.stat().st_size for p in content.rglob("*.md"))
    return {
        "pages": corpus.pages,
        "sections": corpus.sections,
        "seed": corpus.seed,
        "kume_root": str(base / "kume"),
        "hugo_root": str(base / "hugo"),
        "markdown_bytes": size,
        "generation_s": round(time.perf_counter() - t0, 3),
        "kume_site": kume_info,
        "hugo_site": hugo_info,
    }


# --------------------------------------------------------------------------
# Timed builds
# --------------------------------------------------------------------------

@dataclass
class RunResult:
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    rss_floor_mib: float
    returncode: int
    stdout: str
    stderr: str


# Spawns the measured command from a fresh, small interpreter and reports
# "wall cpu maxrss_kib exitcode own_maxrss_kib" on the file descriptor argv[1].
LAUNCHER = """
import os, sys, time
fd = int(sys.argv[1])
os.set_inheritable(fd, False)
with open("/proc/self/status") as f:  # this memory's peak, the floor of the child's
    own = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
t0 = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
report = f"{wall} {ru.ru_utime + ru.ru_stime} {ru.ru_maxrss} {os.waitstatus_to_exitcode(status)} {own}"
os.write(fd, report.encode())
"""


def run_measured(cmd: list[str], cwd: Path) -> RunResult:
    """Run cmd and measure exactly that process (wall, CPU, peak RSS).

    Linux carries the peak RSS of the process that spawns a program into
    the program's own ru_maxrss.  Spawned from this script, every tool would
    show at least this script's peak, so a tiny launcher interpreter (about
    8 MiB) spawns the tool, reaps it with wait4 and reports its figures.  A
    peak at or below the launcher's own (rss_floor_mib) is an upper bound.
    """
    read_end, write_end = os.pipe()
    launcher = [sys.executable, "-S", "-I", "-c", LAUNCHER, str(write_end), *cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(launcher, cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err, pass_fds=(write_end,))
        finally:
            os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            report = pipe.read().decode().split()
        proc.wait()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if len(report) != 5:
        raise BenchError(f"could not run {' '.join(cmd)} (launcher exit {proc.returncode})\n"
                         f"--- stderr ---\n{tail(stderr)}")
    wall, cpu, maxrss_kib, code, own_kib = report
    return RunResult(wall_s=float(wall), cpu_s=float(cpu),
                     peak_rss_mib=int(maxrss_kib) / 1024.0, rss_floor_mib=int(own_kib) / 1024.0,
                     returncode=int(code), stdout=stdout, stderr=stderr)


def count_index_html(out_dir: Path) -> int:
    return sum(1 for _ in out_dir.rglob("index.html")) if out_dir.is_dir() else 0


def dir_stats(out_dir: Path) -> dict:
    files = [p for p in out_dir.rglob("*") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


@dataclass
class Build:
    """One tool's build of one corpus."""
    tool: str
    cmd: list[str]
    cwd: Path
    out_dir: Path
    # Where earlier outputs are moved before a build (see the module's notes).
    spent: Path


def run_once(build: Build, label: str, min_pages: int, keep: bool = False) -> RunResult:
    """An empty output folder (unless `keep`: the previous build's output stays) and `sync`
    (both untimed), then one measured build."""
    if build.out_dir.exists() and not keep:
        build.spent.mkdir(parents=True, exist_ok=True)
        build.out_dir.rename(build.spent / f"{build.tool}-{time.time_ns()}")
    os.sync()  # flush earlier writes so that they are not billed to this build
    result = run_measured(build.cmd, build.cwd)
    print(f"    {build.tool} {label}: {result.wall_s:.3f} s, cpu {result.cpu_s:.2f} s, "
          f"{result.peak_rss_mib:.0f} MiB, exit {result.returncode}", flush=True)
    if result.returncode != 0:
        raise BenchError(
            f"{build.tool} build failed (exit {result.returncode}): {' '.join(build.cmd)}\n"
            f"--- stderr ---\n{tail(result.stderr)}\n--- stdout ---\n{tail(result.stdout, 20)}")
    pages = count_index_html(build.out_dir)
    if pages < min_pages:
        raise BenchError(
            f"{build.tool} output incomplete: {pages} index.html files in {build.out_dir}, "
            f"expected at least {min_pages}\n--- stderr ---\n{tail(result.stderr)}")
    return result


def benchmark_builds(builds: list[Build], runs: int, warmup: int, min_pages: int,
                     keep: bool = False) -> dict:
    """Runs the tools' builds alternately: `warmup` discarded rounds, then `runs` measured
    rounds, the order of the tools reversed every round (A B, B A, A B, ...) so that no tool
    always follows the same one.  With `keep`, each build finds its previous output in place
    (a maintainer's rebuild)."""
    measured: dict[str, list[RunResult]] = {b.tool: [] for b in builds}
    for n in range(warmup + runs):
        order = builds if n % 2 == 0 else builds[::-1]
        label = f"warm-up {n + 1}" if n < warmup else f"run {n - warmup + 1}"
        for build in order:
            result = run_once(build, label, min_pages, keep)
            if n >= warmup:
                measured[build.tool].append(result)
    return {b.tool: summarize(b, measured[b.tool]) for b in builds}


def summarize(build: Build, measured: list[RunResult]) -> dict:
    walls = [r.wall_s for r in measured]
    return {
        "command": build.cmd,
        "runs_measured": len(measured),
        "wall_s": [round(w, 4) for w in walls],
        "cpu_s": [round(r.cpu_s, 3) for r in measured],
        "peak_rss_mib_runs": [round(r.peak_rss_mib, 1) for r in measured],
        "min_s": round(min(walls), 4),
        "median_s": round(statistics.median(walls), 4),
        "cpu_s_median": round(statistics.median(r.cpu_s for r in measured), 3),
        "peak_rss_mib": round(max(r.peak_rss_mib for r in measured), 1),
        "rss_floor_mib": round(max(r.rss_floor_mib for r in measured), 1),
        "index_html": count_index_html(build.out_dir),
        "output": dir_stats(build.out_dir),
        "stderr_tail": tail(measured[-1].stderr, 10),
    }


def kume_build_cmd(kume: Path, root: Path) -> list[str]:
    return [str(kume), "build", "--root", str(root), "--out", str(root / "public")]


def hugo_build_cmd(hugo: str) -> list[str]:
    return [hugo, "--quiet", "-d", "public"]


# --------------------------------------------------------------------------
# Dev-server edit latency
# --------------------------------------------------------------------------

class LocalClient:
    """Minimal keep-alive HTTP GET client for 127.0.0.1, reconnecting on error."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, bytes] | None:
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2.0)
            self.conn.request("GET", path, headers={"Cache-Control": "no-cache"})
            resp = self.conn.getresponse()
            return resp.status, resp.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_log(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def wait_until_up(proc: subprocess.Popen, client: LocalClient, err_log: Path) -> float:
    t0 = time.perf_counter()
    deadline = t0 + SERVER_STARTUP_TIMEOUT_S
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"kume serve exited with {proc.returncode} before serving\n"
                             f"--- stderr ---\n{tail(read_log(err_log))}")
        reply = client.get("/")
        if reply and reply[0] == 200:
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise BenchError(f"kume serve did not answer GET / with 200 within "
                     f"{SERVER_STARTUP_TIMEOUT_S:.0f} s\n--- stderr ---\n{tail(read_log(err_log))}")


def find_page_url(client: LocalClient, corpus: Corpus, i: int) -> str:
    url = corpus.url_of(i)
    tried = {}
    for candidate in (url, f"/tr{url}", f"/en{url}"):
        reply = client.get(candidate)
        tried[candidate] = reply[0] if reply else "no response"
        if reply and reply[0] == 200:
            return candidate
    raise BenchError(f"edited page is not served at any expected URL: {tried}")


def write_by_rename(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.kumebench-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_in_place(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


WRITERS = {"rename": write_by_rename, "overwrite": write_in_place}


def wait_for_marker(client: LocalClient, url: str, marker: bytes, t0: float) -> float | None:
    deadline = t0 + EDIT_TIMEOUT_S
    while time.perf_counter() < deadline:
        reply = client.get(url)
        if reply and reply[0] == 200 and marker in reply[1]:
            return time.perf_counter() - t0
        time.sleep(POLL_INTERVAL_S)
    return None


def timed_edit(server: tuple, write: Callable[[], None], marker: str, label: str) -> float | None:
    """Runs one edit, polls the page until it shows `marker` and checks that the server is
    still up; the latency, or None after a timeout."""
    client, url, proc, err_log = server
    t0 = time.perf_counter()
    write()
    latency = wait_for_marker(client, url, marker.encode(), t0)
    shown = f"{latency * 1000:.1f} ms" if latency is not None else "TIMEOUT"
    print(f"    {label}: {shown}", flush=True)
    if proc.poll() is not None:
        raise BenchError(f"kume serve died during the edits (exit {proc.returncode})\n"
                         f"--- stderr ---\n{tail(read_log(err_log))}")
    time.sleep(SETTLE_S)
    return latency


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def latency_summary(samples: list[float | None]) -> dict:
    ok = [s for s in samples if s is not None]
    summary = {"edits": len(samples), "timeouts": len(samples) - len(ok),
               "samples_ms": [round(s * 1000, 2) if s is not None else None for s in samples]}
    if ok:
        summary.update(median_ms=round(statistics.median(ok) * 1000, 2),
                       p95_ms=round(percentile(ok, 95) * 1000, 2),
                       max_ms=round(max(ok) * 1000, 2))
    return summary


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def measure_edit_latency(kume: Path, corpus: Corpus, root: Path, logdir: Path) -> dict:
    page = corpus.pages // 2
    page_file = root / "site" / "content" / corpus.rel_source(page)
    original = page_file.read_text(encoding="utf-8")
    port = free_port()
    cmd = [str(kume), "serve", "--root", str(root), "--addr", f"127.0.0.1:{port}",
           "--out", str(root / "serve-public")]  # same filesystem as the builds
    out_log, err_log = logdir / "serve.stdout", logdir / "serve.stderr"
    client = LocalClient(port)
    samples: dict[str, list[float | None]] = {name: [] for name in WRITERS}
    with open(out_log, "wb") as out, open(err_log, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=root, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    try:
        startup = wait_until_up(proc, client, err_log)
        url = find_page_url(client, corpus, page)
        print(f"    serve up after {startup:.2f} s; editing {page_file.name} -> {url}", flush=True)
        server = (client, url, proc, err_log)
        for n in range(EDITS):
            variant = list(WRITERS)[n % len(WRITERS)]
            marker = f"kumebenchmarker{n:02d}x{os.getpid()}x{time.time_ns() % 10**9}"
            text = f"{original.rstrip()}\n\n{marker}\n"
            samples[variant].append(timed_edit(
                server, lambda: WRITERS[variant](page_file, text), marker,
                f"edit {n + 1:2d} ({variant:9s})"))
        full = measure_full_rebuilds(server, root / "templates" / "page.html")
    finally:
        client.close()
        stop_server(proc)
        write_in_place(page_file, original)
    every = [s for variant in WRITERS for s in samples[variant]]
    return {
        "pages": corpus.pages,
        "command": cmd,
        "url": url,
        "startup_s": round(startup, 3),
        "poll_interval_ms": POLL_INTERVAL_S * 1000,
        "timeout_s": EDIT_TIMEOUT_S,
        "settle_s": SETTLE_S,
        "by_variant": {v: latency_summary(s) for v, s in samples.items()},
        "all": latency_summary(every),
        "full_rebuild": latency_summary(full),
        "stderr_tail": tail(read_log(err_log), 10),
    }


def measure_full_rebuilds(server: tuple, template: Path) -> list[float | None]:
    """Edits the page template FULL_EDITS times, putting a marker into every page: each
    save rebuilds the whole site, and the latency is the time until the page shows it."""
    original = template.read_text(encoding="utf-8")
    if FULL_ANCHOR not in original:
        raise BenchError(f"{template} has no {FULL_ANCHOR!r} to put the marker after")
    samples: list[float | None] = []
    try:
        for n in range(FULL_EDITS):
            marker = f"kumebenchfull{n:02d}x{os.getpid()}x{time.time_ns() % 10**9}"
            text = original.replace(FULL_ANCHOR, f"{FULL_ANCHOR}<span hidden>{marker}</span>", 1)
            samples.append(timed_edit(server, lambda: write_by_rename(template, text), marker,
                                      f"template edit {n + 1} (full rebuild)"))
    finally:
        write_in_place(template, original)
    return samples


# --------------------------------------------------------------------------
# Environment and reporting
# --------------------------------------------------------------------------

def version_of(cmd: list[str]) -> str:
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    text = (res.stdout or res.stderr).strip().splitlines()
    first = text[0] if text else ""
    return first if res.returncode == 0 else f"unknown (exit {res.returncode}: {first})"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine_info() -> dict:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "mem_total_gib": mem_total_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def binary_fingerprint(path: Path) -> dict:
    st = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as f:  # in chunks: keeps this process small (see run_measured)
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return {"path": str(path), "sha256": digest.hexdigest(), "size": st.st_size,
            "mtime": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(st.st_mtime))}


def print_build_table(results: list[dict]) -> None:
    fs = results[0]["filesystem"] if results else "unknown"
    print(f"\nBuild time on {fs} (wall clock; min / median of the measured runs, "
          f"alternating, warm-up discarded)")
    header = f"{'pages':>7}  {'tool':<5}  {'min s':>8}  {'median s':>8}  {'cpu s':>7}  {'peak RSS':>9}  {'index.html':>10}"
    print(header)
    print("-" * len(header))
    for res in results:
        for kind, rows in (("into an empty folder", res), ("rebuild, output kept", res.get("rebuild"))):
            if not rows:
                continue
            for tool in ("kume", "hugo"):
                r = rows.get(tool)
                if r:
                    bound = "<=" if r["peak_rss_mib"] <= r["rss_floor_mib"] + 1 else ""
                    rss = f"{bound}{r['peak_rss_mib']:.0f} MiB"
                    print(f"{res['pages']:>7}  {tool:<5}  {r['min_s']:>8.3f}  {r['median_s']:>8.3f}  "
                          f"{r['cpu_s_median']:>7.2f}  {rss:>9}  {r['index_html']:>10}")
            if "ratio_kume_over_hugo" in rows:
                ratio = rows["ratio_kume_over_hugo"]
                print(f"{res['pages']:>7}  kume/hugo on {res['filesystem']}, {kind}: "
                      f"{ratio['median']:.2f}x median, {ratio['min']:.2f}x min, "
                      f"{ratio['peak_rss']:.2f}x peak RSS")


def print_site_alone(res: dict) -> None:
    r = res["kume"]
    print(f"\nThe repository's site alone on {res['filesystem']} (kume build into an empty folder): "
          f"median {r['median_s']:.3f} s, min {r['min_s']:.3f} s, cpu {r['cpu_s_median']:.2f} s, "
          f"peak {r['peak_rss_mib']:.0f} MiB, {r['index_html']} index.html")


def print_latency_table(lat: dict) -> None:
    print(f"\nkume serve edit latency at {lat['pages']} pages "
          f"(write -> first response containing the marker; startup {lat['startup_s']:.2f} s)")
    header = f"{'variant':<10}  {'edits':>5}  {'median ms':>9}  {'p95 ms':>8}  {'max ms':>8}  {'timeouts':>8}"
    print(header)
    print("-" * len(header))
    rows = list(lat["by_variant"].items()) + [("all", lat["all"])]
    if "full_rebuild" in lat:
        rows.append(("template", lat["full_rebuild"]))
    for name, s in rows:
        if "median_ms" in s:
            print(f"{name:<10}  {s['edits']:>5}  {s['median_ms']:>9.1f}  {s['p95_ms']:>8.1f}  "
                  f"{s['max_ms']:>8.1f}  {s['timeouts']:>8}")
        else:
            print(f"{name:<10}  {s['edits']:>5}  {'-':>9}  {'-':>8}  {'-':>8}  {s['timeouts']:>8}")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Kume vs Hugo build-speed benchmark.")
    p.add_argument("--kume", default="target/release/kume", help="path to the kume binary")
    p.add_argument("--hugo", default="hugo", help="hugo executable (default: from PATH)")
    p.add_argument("--pages", type=int, nargs="+", default=[1000, 10000], help="corpus sizes")
    p.add_argument("--runs", type=int, default=3,
                   help="measured builds per tool and size, alternating between the tools (default 3)")
    p.add_argument("--warmup", type=int, default=1,
                   help="discarded builds per tool before the measured ones (default 1)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    p.add_argument("--json", type=Path, help="write all figures to this JSON file")
    p.add_argument("--workdir", type=Path,
                   help="generate into this empty dir and keep it (default: a temp dir, removed)")
    p.add_argument("--tmpfs", action="store_true",
                   help="work in a temp dir under /dev/shm (tmpfs) instead of on disk")
    p.add_argument("--skip-kume", action="store_true", help="do not run kume (corpus/Hugo only)")
    p.add_argument("--skip-hugo", action="store_true", help="do not run hugo")
    p.add_argument("--skip-serve", action="store_true", help="skip the dev-server edit-latency test")
    p.add_argument("--skip-site-alone", action="store_true",
                   help="skip the builds of the repository's site without a corpus")
    p.add_argument("--skip-rebuild", action="store_true",
                   help="skip the rebuilds into the kept output folder")
    args = p.parse_args(argv)
    if args.runs < 1 or args.warmup < 0 or any(n < 1 for n in args.pages):
        p.error("--runs and --pages must be positive, --warmup not negative")
    if args.tmpfs and args.workdir:
        p.error("--tmpfs and --workdir exclude each other (put --workdir on a tmpfs instead)")
    return args


def resolve_kume(arg: str) -> Path:
    for candidate in (Path(arg), REPO_ROOT / arg):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.resolve()
    raise BenchError(f"kume binary not found or not executable: {arg} "
                     f"(build it with `cargo build --release`)")


def resolve_hugo(arg: str) -> str:
    found = shutil.which(arg)
    if not found:
        raise BenchError(f"hugo not found: {arg} (install it, e.g. `apt-get install -y hugo`)")
    return found


MEMORY_FILESYSTEMS = {"tmpfs", "ramfs"}


def temp_parent(tmpfs: bool) -> Path:
    """Where the temp work dir goes: /dev/shm with --tmpfs, else a folder on disk (the
    system temp dir, or the repository's target/ when the temp dir is itself in memory)."""
    if tmpfs:
        shm = Path("/dev/shm")
        if not (shm.is_dir() and os.access(shm, os.W_OK)
                and filesystem_of(shm) in MEMORY_FILESYSTEMS):
            raise BenchError("--tmpfs needs a writable tmpfs at /dev/shm")
        return shm
    system = Path(tempfile.gettempdir())
    if filesystem_of(system) not in MEMORY_FILESYSTEMS:
        return system
    fallback = REPO_ROOT / "target"
    fallback.mkdir(exist_ok=True)
    return fallback


def filesystem_of(path: Path) -> str:
    """Type of the filesystem holding path, from the longest /proc/mounts prefix."""
    best, fstype = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, kind, *_ = line.split()
            if (str(path) + "/").startswith(mount.rstrip("/") + "/") and len(mount) > len(best):
                best, fstype = mount, kind
    except OSError:
        pass
    return fstype


def run(args: argparse.Namespace, workdir: Path) -> dict:
    kume = None if args.skip_kume else resolve_kume(args.kume)
    hugo = None if args.skip_hugo else resolve_hugo(args.hugo)
    report = {
        "machine": machine_info(),
        "versions": {"kume": version_of([str(kume), "--version"]) if kume else None,
                     "hugo": version_of([hugo, "version"]) if hugo else None},
        "kume_binary": binary_fingerprint(kume) if kume else None,
        "settings": {"pages": args.pages, "runs": args.runs, "warmup": args.warmup,
                     "seed": args.seed, "tmpfs": args.tmpfs},
        "workdir": {"path": str(workdir), "filesystem": filesystem_of(workdir)},
        "builds": [],
    }
    print(f"machine: {report['machine']['nproc']} CPUs, {report['machine']['cpu_model']}")
    print(f"workdir: {workdir} (filesystem: {report['workdir']['filesystem']})")
    print(f"kume: {report['versions']['kume']}\nhugo: {report['versions']['hugo']}")
    if kume and not args.skip_site_alone:
        report["site_alone"] = measure_site_alone(kume, workdir, args.runs, args.warmup)
    corpora = {}
    for n in args.pages:
        corpus = Corpus(pages=n, seed=args.seed)
        info = make_corpus(corpus, workdir)
        corpora[n] = (corpus, info)
        print(f"\n[{n} pages] corpus: {info['markdown_bytes'] / 1e6:.1f} MB Markdown in "
              f"{info['generation_s']:.1f} s; kume site: {info['kume_site']}", flush=True)
        res: dict = {"pages": n, "filesystem": report["workdir"]["filesystem"], "corpus": info}
        builds = []
        if kume:
            root = Path(info["kume_root"])
            builds.append(Build("kume", kume_build_cmd(kume, root), root, root / "public",
                                workdir / "spent"))
        if hugo:
            root = Path(info["hugo_root"])
            builds.append(Build("hugo", hugo_build_cmd(hugo), root, root / "public",
                                workdir / "spent"))
        res.update(with_ratio(benchmark_builds(builds, args.runs, args.warmup, n)))
        if not args.skip_rebuild:
            print(f"  rebuilds into the kept output", flush=True)
            res["rebuild"] = with_ratio(benchmark_builds(builds, args.runs, 0, n, keep=True))
        report["builds"].append(res)
    if kume and not args.skip_serve:
        n = max(args.pages)
        corpus, info = corpora[n]
        print(f"\n[{n} pages] kume serve edit latency", flush=True)
        report["edit_latency"] = measure_edit_latency(kume, corpus, Path(info["kume_root"]), workdir)
    if kume:
        after = binary_fingerprint(kume)
        report["kume_binary_changed_during_run"] = after["sha256"] != report["kume_binary"]["sha256"]
        if report["kume_binary_changed_during_run"]:
            print("WARNING: the kume binary changed while the benchmark ran", file=sys.stderr)
    return report


def measure_site_alone(kume: Path, workdir: Path, runs: int, warmup: int) -> dict:
    """`kume build` of the repository's own site, no corpus: the fixed part of every build
    above (the issue's target: under 0.3 s). Same method: an empty output folder and `sync`
    before each build."""
    root = workdir / "site-alone"
    info = copy_repo_site(root)
    print(f"\n[repository's site alone] kume site: {info}", flush=True)
    build = Build("kume", kume_build_cmd(kume, root), root, root / "public", workdir / "spent")
    res = benchmark_builds([build], runs, warmup, 1)
    return {"filesystem": filesystem_of(workdir), **res}


def with_ratio(res: dict) -> dict:
    """Adds the Kume/Hugo ratios when both tools ran."""
    if "kume" in res and "hugo" in res:
        k, h = res["kume"], res["hugo"]
        res["ratio_kume_over_hugo"] = {
            "median": round(k["median_s"] / h["median_s"], 3),
            "min": round(k["min_s"] / h["min_s"], 3),
            "peak_rss": round(k["peak_rss_mib"] / h["peak_rss_mib"], 3),
        }
    return res


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        if any(args.workdir.iterdir()):
            print(f"error: --workdir {args.workdir} is not empty", file=sys.stderr)
            return 2
        workdir, cleanup = args.workdir.resolve(), None
    else:
        try:
            parent = temp_parent(args.tmpfs)
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        cleanup = tempfile.TemporaryDirectory(prefix="kume-bench-", dir=parent)
        workdir = Path(cleanup.name)
    try:
        report = run(args, workdir)
    except BenchError as exc:
        print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir / "spent", ignore_errors=True)
        if cleanup:
            cleanup.cleanup()
    print_build_table(report["builds"])
    if "site_alone" in report:
        print_site_alone(report["site_alone"])
    if "edit_latency" in report:
        print_latency_table(report["edit_latency"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
