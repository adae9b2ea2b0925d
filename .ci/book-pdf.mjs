// Prints every book's print page of a built site to the PDF it links to
// (<link rel="alternate" type="application/pdf">), with Debian's headless Chromium, and reports
// each PDF's page count. Run after `kume build` and before deploying:
//
//   node .ci/book-pdf.mjs public
import { createServer } from 'node:http';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, extname, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(repo, 'tests/tools/package.json'))('playwright-core');
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

const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml' };
const server = createServer(async (req, res) => {
  let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path.endsWith('/')) path += 'index.html';
  try {
    const body = await readFile(join(out, path));
    res.writeHead(200, { 'content-type': types[extname(path)] || 'application/octet-stream' });
    res.end(body);
  } catch { res.writeHead(404); res.end(); }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
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
server.close();
process.exit(failed ? 1 : 0);
