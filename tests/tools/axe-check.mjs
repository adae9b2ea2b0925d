// Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) in Debian's headless Chromium over every
// HTML page of a built site, served from 127.0.0.1. Exits 1 when any page has a violation.
//
//   node tests/tools/axe-check.mjs public/
import { createServer } from 'node:http';
import { readFile, readdir, mkdtemp } from 'node:fs/promises';
import { join, extname, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const root = process.argv[2];
if (!root) {
  console.error('usage: node tests/tools/axe-check.mjs SITE_DIR');
  process.exit(2);
}

const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml', '.xml': 'application/xml' };
const server = createServer(async (req, res) => {
  let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path.includes('..')) { res.writeHead(400); return res.end(); }
  if (path.endsWith('/')) path += 'index.html';
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, { 'content-type': types[extname(path)] || 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404); res.end();
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;

async function htmlFiles(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await htmlFiles(p));
    else if (e.name.endsWith('.html')) out.push(p);
  }
  return out.sort();
}

const pages = [];
for (const file of await htmlFiles(root)) {
  const html = await readFile(file, 'utf8');
  // Redirect pages jump straight to the published site; there is nothing to check on them.
  if (html.includes('http-equiv="refresh"')) continue;
  pages.push('/' + relative(root, file).replaceAll('\\', '/').replace(/index\.html$/, ''));
}

const context = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'kume-axe-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
await context.route('**/*', (route) => {
  const host = new URL(route.request().url()).hostname;
  return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
});
const page = await context.newPage();
let failures = 0;
let failedPages = 0;
for (const [i, path] of pages.entries()) {
  // Half the pages at phone width: layout bugs (overlaps, reflow) show up there.
  await page.setViewportSize(i % 2 ? { width: 390, height: 844 } : { width: 1280, height: 900 });
  await page.goto(base + path, { waitUntil: 'load' });
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  }));
  if (result.violations.length) failedPages += 1;
  for (const v of result.violations) {
    failures += 1;
    console.error(`${path}: ${v.id} (${v.impact}): ${v.help}`);
    for (const node of v.nodes.slice(0, 3)) console.error(`    ${node.target.join(' ')}: ${node.failureSummary.split('\n').join(' ')}`);
  }
}
await context.close();
server.close();
console.log(`axe-core found ${failures} violation${failures === 1 ? '' : 's'} on ${pages.length} pages`);
console.log(`accessibility: ${pages.length - failedPages} passed, ${failedPages} failed`);
process.exit(failures ? 1 : 0);
