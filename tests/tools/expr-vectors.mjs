// Runs the shared expression vectors (tests/expr-vectors.json) against the browser evaluator
// (site/static/js/kume-expr.js). The Rust test `survey::expr::tests::expression_vectors` runs the
// same file against the Rust parser and evaluator, so both sides agree case by case.
//
//   node tests/tools/expr-vectors.mjs [SITE_DIR/js]
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
// The scripts' folder: the sources by default, or a built site's `js/` (minified as published).
const scripts = process.argv[2] ? resolve(process.argv[2]) : join(root, 'site/static/js');
const KumeExpr = require(join(scripts, 'kume-expr.js'));
const vectors = JSON.parse(await readFile(join(root, 'tests/expr-vectors.json'), 'utf8'));

function same(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  return a === b;
}

let passed = 0;
let failed = 0;
for (const v of vectors) {
  let got;
  try {
    if (!v.ast) throw new Error('no `ast`: run KUME_BLESS_VECTORS=1 cargo test --lib expression_vectors');
    const answers = v.answers || {};
    got = KumeExpr.evaluate(v.ast, answers);
    // `answers` may also be a function; it must give the same result.
    const viaFunction = KumeExpr.evaluate(v.ast, (id) => answers[id]);
    if (!same(got, viaFunction)) throw new Error(`answers as a function gave ${JSON.stringify(viaFunction)}`);
  } catch (e) {
    got = `error: ${e.message}`;
  }
  if (same(got, v.expect)) {
    passed += 1;
  } else {
    failed += 1;
    console.error(`${v.expr}  answers ${JSON.stringify(v.answers)}: expected ${JSON.stringify(v.expect)}, got ${JSON.stringify(got)}`);
  }
}
console.log(`expression vectors: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
