// Checks every HTML page of a built site at phone size (390×844) in Debian's headless Chromium:
// the page's own heading (its first <h1>) starts within the first quarter of the screen, and
// nothing reaches past the screen's right edge outside a box that scrolls on its own.
// Exits 1 when a page fails; prints the worst heading positions either way.
//
//   node tests/tools/phone-check.mjs public/
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PHONE, keepLocal, launchPersistent, serveSite, sitePages } from './browser.mjs';

const root = process.argv[2];
if (!root) {
  console.error('usage: node tests/tools/phone-check.mjs SITE_DIR');
  process.exit(2);
}
const LIMIT = 0.25;

// The printable book is a page made for paper, not read on a phone screen.
const pages = await sitePages(root, (html) => html.includes('class="book-print"'));

const server = await serveSite(root);
const context = await launchPersistent(await mkdtemp(join(tmpdir(), 'kume-phone-')), { viewport: PHONE });
await keepLocal(context);
const page = await context.newPage();
const measured = [];
const failures = [];
for (const path of pages) {
  await page.goto(server.base + path, { waitUntil: 'load' });
  const m = await page.evaluate(() => {
    const h1 = document.querySelector('main h1') || document.querySelector('h1');
    // An element wider than the screen is fine inside a box that scrolls by itself (a table
    // wrapper with overflow-x: auto); the page itself must not scroll sideways.
    const pageWidth = document.documentElement.scrollWidth;
    let widest = null;
    if (pageWidth > window.innerWidth) {
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + 1 && (!widest || r.right > widest.right)) {
          widest = { right: Math.round(r.right), what: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '') };
        }
      }
    }
    return { top: h1 ? h1.getBoundingClientRect().top + window.scrollY : null, pageWidth, widest };
  });
  const share = m.top === null ? null : m.top / PHONE.height;
  measured.push({ path, share });
  if (share === null) failures.push(`${path}: no <h1>`);
  else if (share > LIMIT) failures.push(`${path}: heading at ${(share * 100).toFixed(0)} % of the screen (limit ${LIMIT * 100} %)`);
  if (m.pageWidth > PHONE.width) failures.push(`${path}: page ${m.pageWidth} px wide at ${PHONE.width} px${m.widest ? ` (${m.widest.what} reaches ${m.widest.right} px)` : ''}`);
}
await context.close();
server.close();

const shares = measured.filter((m) => m.share !== null).map((m) => m.share).sort((a, b) => a - b);
const pct = (x) => `${(x * 100).toFixed(1)} %`;
if (shares.length) {
  console.log(`heading position at ${PHONE.width}×${PHONE.height}: median ${pct(shares[Math.floor(shares.length / 2)])}, worst ${pct(shares[shares.length - 1])} of the screen height`);
}
for (const f of failures.slice(0, 40)) console.error(f);
if (failures.length > 40) console.error(`… and ${failures.length - 40} more`);
console.log(`phone layout: ${pages.length - new Set(failures.map((f) => f.split(':')[0])).size} passed, ${new Set(failures.map((f) => f.split(':')[0])).size} failed of ${pages.length} pages`);
process.exit(failures.length ? 1 : 0);
