#!/usr/bin/env python3
"""Survey compile time: a generated survey with 300 questions and 500 expressions.

Writes a site (the repository's templates, UI strings and static files, plus one generated
survey) into a temporary folder, then times `kume check` (parse, type-check, cycle check, run
the survey's tests) and `kume build` (which also renders the form pages) on it, and reports the
size of the two scripts a form page loads.

    python3 benches/survey_compile.py --kume target/release/kume [--runs 5]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def survey_yaml(questions: int, expressions: int) -> tuple[str, int]:
    """A survey of `questions` questions whose show_if/required/checks/calc add up to `expressions`."""
    lines = [
        "id: bench", 'version: "1"', "wave: 2026", "languages: [tr, en]",
        'title: {tr: "Ölçüm anketi", en: "Benchmark survey"}', "audience: public", "access: open",
        "opens: 2026-01-01", "closes: 2026-12-31", 'thanks: {tr: "Teşekkürler.", en: "Thanks."}',
        "lists:", "  evet_hayir:", '    - {code: evet, label: {tr: "Evet", en: "Yes"}}',
        '    - {code: hayir, label: {tr: "Hayır", en: "No"}}', "sections:",
    ]
    count = 0
    per_section = 30
    for i in range(questions):
        if i % per_section == 0:
            lines += [f"  - id: b{i // per_section}", f'    title: {{tr: "Bölüm {i // per_section}", en: "Part {i // per_section}"}}', "    questions:"]
        kind = "select_one" if i % 3 == 0 else "integer"
        lines += [f"      - id: q{i}", f"        type: {kind}", f'        label: {{tr: "Soru {i}", en: "Question {i}"}}']
        if kind == "select_one":
            lines.append("        list: evet_hayir")
        else:
            lines += ["        min: 0", "        max: 100000"]
        if i >= 3 and count < expressions:
            prev = i - (i % 3) if (i - (i % 3)) != i else i - 3
            lines.append(f"        show_if: \"q{prev} = 'evet' or blank(q{prev})\"")
            count += 1
        if kind == "integer" and i >= 2 and count < expressions:
            other = i - 1 if (i - 1) % 3 else i - 2
            lines += ["        checks:", f'          - assert: "q{i} >= 0 and q{i} <= q{other} + 100000"',
                      '            message: {tr: "Kontrol", en: "Check"}']
            count += 1
        if kind == "integer" and count < expressions:
            lines.append(f'        required: "q{i - (i % 3)} = \'evet\'"')
            count += 1
    lines.append("tests:")
    lines += ['  - name: "gizleme"', "    answers: {q0: hayir}", "    hidden: [q3]"]
    return "\n".join(lines) + "\n", count


def make_site(root: Path, questions: int, expressions: int) -> int:
    for part in ["templates", "site/i18n", "site/static"]:
        # The guidebook's templates name guidebook pages this small site does not have.
        shutil.copytree(REPO / part, root / part,
                        ignore=lambda d, names: ["rehber"] if Path(d) == REPO / "site/static" else [])
    (root / "site/content").mkdir(parents=True)
    shutil.copy(REPO / "site/config.yaml", root / "site/config.yaml")
    for name in ["_index.md", "_index.en.md"]:
        (root / "site/content" / name).write_text("---\ntitle: Bench\n---\nBench.\n")
    (root / "surveys").mkdir()
    text, count = survey_yaml(questions, expressions)
    (root / "surveys/bench.yaml").write_text(text)
    return count


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kume", default=str(REPO / "target/release/kume"))
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--expressions", type=int, default=500)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kume-survey-bench-") as tmp:
        root = Path(tmp)
        count = make_site(root, args.questions, args.expressions)
        check = [timed([args.kume, "check", "--root", str(root)]) for _ in range(args.runs)]
        build = [timed([args.kume, "build", "--root", str(root), "--out", str(root / "public")]) for _ in range(args.runs)]
        form = root / "public/anket/bench/index.html"
        result = {
            "questions": args.questions,
            "expressions": count,
            "check_s": {"min": min(check), "median": statistics.median(check)},
            "build_s": {"min": min(build), "median": statistics.median(build)},
            "form_page_bytes": form.stat().st_size,
            "js_bytes": {name: (REPO / "site/static/js" / name).stat().st_size for name in ["kume-expr.js", "kume-rules.js", "kume-form.js"]},
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
