// The weight of the heaviest pages as a phone on a slow connection meets them: every response
// a page loads in headless Chromium, as bytes before compression, and its HTML compressed.
// Exits 1 when a page is over its limits (PAGES).
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
// The heaviest survey page, and the heaviest map page: the maps draw the province outlines
// from one shared file, which were 115 KB inline on each of the 178 map pages.
const PAGES = [
  { path: '/anket/paydas-ihtiyac/', maxTotalKiB: 150, maxHtmlGzipKB: 35 },
  { path: '/sektor-analizi/', maxTotalKiB: 200, maxHtmlGzipKB: 15 },
];

const server = await serveSite(root, { gzip: true });
const browser = await launchBrowser();
let failed = 0;
for (const { path, maxTotalKiB, maxHtmlGzipKB } of PAGES) {
  const page = await browser.newPage();
  let total = 0;
  const parts = [];
  page.on('response', async (r) => {
    if (!r.url().startsWith(server.base)) return;
    const body = await r.body().catch(() => Buffer.alloc(0));
    total += body.length;
    parts.push(`${new URL(r.url()).pathname.split('/').pop() || 'index.html'} ${(body.length / 1024).toFixed(1)}`);
  });
  await page.goto(server.base + path, { waitUntil: 'networkidle' });
  await page.close();
  const html = await readFile(join(root, path, 'index.html'));
  const gz = gzipSync(html).length;
  const kib = total / 1024;
  console.log(`${path}: ${kib.toFixed(1)} KiB with everything it loads (${parts.join(', ')} KiB); HTML ${(html.length / 1024).toFixed(1)} KiB, ${(gz / 1000).toFixed(1)} KB gzip`);
  if (kib > maxTotalKiB) { console.log(`FAIL ${path} is over ${maxTotalKiB} KiB with everything it loads`); failed += 1; }
  if (gz > maxHtmlGzipKB * 1000) { console.log(`FAIL the HTML of ${path} is over ${maxHtmlGzipKB} KB gzip`); failed += 1; }
}
await browser.close();
server.close();
process.exit(failed ? 1 : 0);
