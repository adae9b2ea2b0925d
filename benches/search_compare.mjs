// Kume's own search index against Pagefind (npm), on the same built site, in the same
// headless Chromium: the bytes a visitor downloads for the first query, and whether each
// query's expected page is among the first ten results — Turkish queries with and without
// Turkish letters, upper case, suffixed words, and English.
//
//   npm install --prefix /tmp/pagefind pagefind@1
//   node benches/search_compare.mjs target/release/kume /tmp/pagefind/node_modules/.bin/pagefind
import { createServer } from 'node:http';
import { readFile, mkdtemp, stat } from 'node:fs/promises';
import { join, extname, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(repo, 'tests/tools/package.json'))('playwright-core');
const [kume = join(repo, 'target/release/kume'), pagefind] = process.argv.slice(2);
if (!pagefind) { console.error('usage: search_compare.mjs KUME PAGEFIND'); process.exit(2); }
const out = join(await mkdtemp(join(tmpdir(), 'kume-search-bench-')), 'public');
execFileSync(kume, ['build', '--root', repo, '--out', out], { env: { ...process.env, CI: '1' } });
const t0 = Date.now();
execFileSync(pagefind, ['--site', out, '--silent']);
const pagefindSeconds = (Date.now() - t0) / 1000;

const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };
const server = createServer(async (req, res) => {
  let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path.endsWith('/')) path += 'index.html';
  try {
    const body = await readFile(join(out, path));
    // What a static host with compression sends.
    const gz = gzipSync(body);
    res.writeHead(200, { 'content-type': types[extname(path)] || 'application/octet-stream', 'content-encoding': 'gzip', 'content-length': gz.length });
    res.end(gz);
  } catch { res.writeHead(404); res.end(); }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const cases = [
  ['/ara/', 'kümelenme destek', '/rehber/kume-destekleri/'],
  ['/ara/', 'kumelenme destek', '/rehber/kume-destekleri/'],
  ['/ara/', 'KÜMELENME DESTEK', '/rehber/kume-destekleri/'],
  ['/ara/', 'izleme degerlendirme', '/rehber/izleme-ve-degerlendirme/'],
  ['/ara/', 'değer zinciri', '/rehber/kume-analizi/'],
  ['/ara/', 'deger zinciri', '/rehber/kume-analizi/'],
  ['/ara/', 'yerellesme katsayisi', '/rehber/kume-analizi/'],
  ['/ara/', 'kümelenmenin', '/'],
  ['/en/search/', 'cluster support', '/en/guide/cluster-support/'],
  ['/en/search/', 'monitoring evaluation', '/en/guide/monitoring-and-evaluation/'],
  ['/en/search/', 'value chain', '/en/guide/cluster-analysis/'],
  ['/en/search/', 'programmes clusters', '/en/programmes/'],
];

async function measure(engine) {
  let found = 0;
  let firstBytes = 0;
  const lines = [];
  for (const [path, query, want] of cases) {
    const context = await browser.newContext();
    const page = await context.newPage();
    let bytes = 0;
    page.on('response', async (r) => {
      const u = new URL(r.url());
      if (u.pathname.includes('/pagefind/') || u.pathname.endsWith('/index.json')) {
        bytes += Number(r.headers()['content-length'] || 0);
      }
    });
    await page.goto(`${base}${path}`);
    let urls;
    if (engine === 'kume') {
      await page.fill('#search-q', query);
      await page.waitForFunction(() => { const t = document.getElementById('search-status').textContent; return t && !t.includes('…'); });
      urls = await page.$$eval('#search-results a', (as) => as.map((a) => a.getAttribute('href')));
    } else {
      urls = await page.evaluate(async (q) => {
        const pf = await import('/pagefind/pagefind.js');
        const r = await pf.search(q);
        const data = await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
        return data.map((d) => d.url.replace(/index\.html$/, ''));
      }, query);
    }
    await page.waitForTimeout(100);
    const hit = urls.slice(0, 10).includes(want);
    found += hit ? 1 : 0;
    if (!firstBytes) firstBytes = bytes;
    lines.push(`  ${hit ? 'hit ' : 'miss'} ${path} “${query}” (${urls.length} results, ${bytes} bytes)`);
    await context.close();
  }
  return { found, firstBytes, lines };
}

const dirBytes = async (files) => (await Promise.all(files.map((f) => stat(join(out, f))))).reduce((s, x) => s + x.size, 0);
const kumeIndex = await dirBytes(['ara/index.json', 'en/search/index.json', 'js/kume-search.js']);
for (const engine of ['kume', 'pagefind']) {
  const r = await measure(engine);
  console.log(`${engine}: ${r.found}/${cases.length} queries found the expected page in the first 10; first query downloaded ${r.firstBytes} bytes (gzip)`);
  console.log(r.lines.join('\n'));
}
console.log(`kume index files on disk (both languages + script): ${kumeIndex} bytes; pagefind indexing took ${pagefindSeconds.toFixed(2)} s as an extra step`);
await browser.close();
server.close();
