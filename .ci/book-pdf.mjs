// Prints every book's print page of a built site to the PDF it links to
// (<link rel="alternate" type="application/pdf">), with Debian's headless Chromium, and reports
// each PDF's page count. Run after `kume build` and before deploying:
//
//   node .ci/book-pdf.mjs public
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, dirname, relative } from 'node:path';
import { launchBrowser, serveSite } from '../tests/tools/browser.mjs';

const out = process.argv[2];
if (!out) { console.error('usage: node .ci/book-pdf.mjs BUILT_SITE_DIR'); process.exit(2); }

async function* htmlFiles(dir) {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* htmlFiles(p);
    else if (e.name === 'index.html') yield p;
  }
}
const books = [];
for await (const file of htmlFiles(out)) {
  const html = await readFile(file, 'utf8');
  const m = html.match(/<link rel="alternate" type="application\/pdf" href="([^"]+)">/);
  if (m) books.push({ page: '/' + relative(out, dirname(file)).split('\\').join('/') + '/', pdf: m[1] });
}
if (!books.length) { console.error(`no book print page in ${out}`); process.exit(1); }

const { base, close } = await serveSite(out);
const browser = await launchBrowser();
let failed = false;
for (const book of books) {
  const page = await browser.newPage();
  await page.goto(`${base}${book.page}`, { waitUntil: 'load' });
  const pdf = await page.pdf({ format: 'A4', printBackground: true, outline: true, tagged: true,
    margin: { top: '18mm', bottom: '18mm', left: '16mm', right: '16mm' } });
  await writeFile(join(out, book.pdf), pdf);
  // Each page object of the PDF carries "/Type /Page" (and the tree "/Type /Pages").
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  console.log(`${book.pdf}: ${pages} pages, ${(pdf.length / 1024).toFixed(0)} KiB`);
  if (pages < 2) failed = true;
  await page.close();
}
await browser.close();
close();
process.exit(failed ? 1 : 0);
