// Lighthouse (mobile settings: a mid-range phone on a slow 4G connection, simulated) in Debian's
// headless Chromium on the pages a visitor and a respondent meet first, served from 127.0.0.1
// compressed, with the site's security headers, as the static host serves them. Prints every
// category's score per page; exits 1 when a category is below 0.95 or accessibility below 1.
//
//   node tests/tools/lighthouse-check.mjs SITE_DIR
import { readFile } from 'node:fs/promises';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { CHROMIUM_ARGS, serveSite } from './browser.mjs';

const root = process.argv[2];
if (!root) {
  console.error('usage: node tests/tools/lighthouse-check.mjs SITE_DIR');
  process.exit(2);
}

// The home page, a profile with results, the heaviest survey, the benchmark overview and a
// guidebook tool page.
const PAGES = [
  '/',
  '/kumeler/ornek-corum-makina/',
  '/anket/paydas-ihtiyac/',
  '/kiyaslama/',
  '/rehber/kume-analizi/istatistiksel-kume-esleme/',
];
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];

// The Content-Security-Policy and the other headers of netlify.toml's `/*` block.
const netlify = await readFile(new URL('../../netlify.toml', import.meta.url), 'utf8');
const block = netlify.split('[[headers]]').find((b) => /for = "\/\*"/.test(b)) || '';
const headers = Object.fromEntries([...block.matchAll(/^\s+([A-Za-z-]+) = "(.*)"$/gm)].map((m) => [m[1], m[2]]));

const server = await serveSite(root, { headers, gzip: true });
let failed = 0;

const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROMIUM || '/usr/bin/chromium', chromeFlags: CHROMIUM_ARGS });
try {
  for (const path of PAGES) {
    const result = await lighthouse(server.base + path, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES });
    const lhr = result.lhr;
    const scores = CATEGORIES.map((c) => [c, lhr.categories[c].score]);
    const low = scores.filter(([c, s]) => s === null || s < (c === 'accessibility' ? 1 : 0.95));
    console.log(`${low.length ? 'FAIL' : 'ok  '} ${path}: ${scores.map(([c, s]) => `${c} ${s === null ? '?' : s.toFixed(2)}`).join(', ')}`);
    for (const [c] of low) {
      const audits = lhr.categories[c].auditRefs.map((r) => lhr.audits[r.id]).filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode !== 'informative' && a.scoreDisplayMode !== 'manual');
      for (const a of audits.slice(0, 6)) console.log(`       ${c}: ${a.id} ${a.displayValue || ''} (${a.score})`);
    }
    failed += low.length ? 1 : 0;
  }
} finally {
  await chrome.kill();
  server.close();
}
console.log(`lighthouse: ${PAGES.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
