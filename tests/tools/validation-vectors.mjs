// Runs the shared validation vectors (tests/validation-vectors.json) through the browser's
// rules (site/static/js/kume-rules.js). The Rust test `survey::evaluate::vectors::
// validation_vectors` runs the same file through the collector's evaluator, so the form and
// the collector find the same problems case by case.
//
//   node tests/tools/validation-vectors.mjs [SITE_DIR/js]
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
// The scripts' folder: the sources by default, or a built site's `js/` (minified as published).
const scripts = process.argv[2] ? resolve(process.argv[2]) : join(root, 'site/static/js');
const KumeRules = require(join(scripts, 'kume-rules.js'));
const vectors = JSON.parse(await readFile(join(root, 'tests/validation-vectors.json'), 'utf8'));

// Numbers compare by value; objects key by key.
function same(a, b) {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return a === b;
}

function byField(list) {
  const out = {};
  for (const [field, code, params] of list || []) (out[field] ||= []).push({ code, params });
  return out;
}

function compare(what, got, want) {
  const expected = byField(want);
  const out = [];
  for (const field of new Set([...Object.keys(got), ...Object.keys(expected)])) {
    const found = got[field] || [];
    const wanted = expected[field] || [];
    const ok = found.length === wanted.length
      && found.every((p, i) => p.code === wanted[i].code && (wanted[i].params === undefined || same(p.params, wanted[i].params)));
    if (!ok) {
      const show = (ps) => JSON.stringify(ps.map((p) => (p.params && Object.keys(p.params).length ? [p.code, p.params] : p.code)));
      out.push(`${what} of \`${field}\`: expected ${show(wanted)}, got ${show(found)}`);
    }
  }
  return out;
}

function run(v) {
  const survey = { sections: v.sections || [{ id: 's', questions: v.questions }], lists: v.lists || {} };
  let outcome;
  if (v.fields) {
    const { answers, problems } = KumeRules.readForm(survey, v.fields, v.lang || 'tr');
    outcome = Object.keys(problems).length ? { errors: problems, warnings: {}, hidden: {} } : KumeRules.evaluate(survey, answers);
  } else {
    outcome = KumeRules.evaluate(survey, v.answers || {});
  }
  const failures = [...compare('errors', outcome.errors, v.errors), ...compare('warnings', outcome.warnings, v.warnings)];
  if (v.hidden) {
    const got = Object.keys(outcome.hidden).sort();
    const want = [...v.hidden].sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`hidden: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  return failures;
}

let passed = 0;
let failed = 0;
for (const v of vectors) {
  let failures;
  try {
    failures = run(v);
  } catch (e) {
    failures = [`error: ${e.stack || e.message}`];
  }
  if (failures.length) {
    failed += 1;
    for (const f of failures) console.error(`${v.name}: ${f}`);
  } else {
    passed += 1;
  }
}
if (vectors.length < 100) {
  console.error(`only ${vectors.length} vectors`);
  failed += 1;
}
console.log(`validation vectors: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
