// The weight of the heaviest survey page as a phone on a slow connection meets it: every
// response the page loads in headless Chromium, as bytes before compression, and its HTML
// compressed. Exits 1 above 150 KiB in all or 35 KB of gzip HTML.
//
//   node tests/tools/weight-check.mjs SITE_DIR
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchBrowser, serveSite } from './browser.mjs';

const root = process.argv[2];
if (!root) {
  console.error('usage: node tests/tools/weight-check.mjs SITE_DIR');
  process.exit(2);
}
const HEAVIEST_SURVEY = '/anket/paydas-ihtiyac/';
const MAX_TOTAL_KIB = 150;
const MAX_HTML_GZIP_KB = 35;

const server = await serveSite(root, { gzip: true });
const browser = await launchBrowser();
const page = await browser.newPage();
let total = 0;
const parts = [];
page.on('response', async (r) => {
  if (!r.url().startsWith(server.base)) return;
  const body = await r.body().catch(() => Buffer.alloc(0));
  total += body.length;
  parts.push(`${new URL(r.url()).pathname.split('/').pop() || 'index.html'} ${(body.length / 1024).toFixed(1)}`);
});
await page.goto(server.base + HEAVIEST_SURVEY, { waitUntil: 'networkidle' });
await browser.close();
server.close();
const html = await readFile(join(root, HEAVIEST_SURVEY, 'index.html'));
const gz = gzipSync(html).length;
const kib = total / 1024;
console.log(`${HEAVIEST_SURVEY}: ${kib.toFixed(1)} KiB with everything it loads (${parts.join(', ')} KiB); HTML ${(html.length / 1024).toFixed(1)} KiB, ${(gz / 1000).toFixed(1)} KB gzip`);
let failed = 0;
if (kib > MAX_TOTAL_KIB) { console.log(`FAIL over ${MAX_TOTAL_KIB} KiB with everything it loads`); failed += 1; }
if (gz > MAX_HTML_GZIP_KB * 1000) { console.log(`FAIL its HTML is over ${MAX_HTML_GZIP_KB} KB gzip`); failed += 1; }
process.exit(failed ? 1 : 0);
