// Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) in Debian's headless Chromium over every
// HTML page of a built site, served from 127.0.0.1. Exits 1 when any page has a violation.
//
//   node tests/tools/axe-check.mjs public/
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { DESKTOP, PHONE, axeViolations, keepLocal, launchPersistent, serveSite, sitePages } from './browser.mjs';

const root = process.argv[2];
if (!root) {
  console.error('usage: node tests/tools/axe-check.mjs SITE_DIR');
  process.exit(2);
}

const server = await serveSite(root);
const base = server.base;

const pages = await sitePages(root);

const context = await launchPersistent(await mkdtemp(join(tmpdir(), 'kume-axe-')), { viewport: DESKTOP });
await keepLocal(context);
const page = await context.newPage();
let failures = 0;
let failedPages = 0;
for (const [i, path] of pages.entries()) {
  // Half the pages at phone width: layout bugs (overlaps, reflow) show up there.
  await page.setViewportSize(i % 2 ? PHONE : DESKTOP);
  await page.goto(base + path, { waitUntil: 'load' });
  const violations = await axeViolations(page);
  if (violations.length) failedPages += 1;
  for (const line of violations) {
    if (!line.startsWith(' ')) failures += 1;
    console.error(line.startsWith(' ') ? line : `${path}: ${line}`);
  }
}
await context.close();
server.close();
console.log(`axe-core found ${failures} violation${failures === 1 ? '' : 's'} on ${pages.length} pages`);
console.log(`accessibility: ${pages.length - failedPages} passed, ${failedPages} failed`);
process.exit(failures ? 1 : 0);
