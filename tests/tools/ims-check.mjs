// Drives the support-programme catalogue in Debian's headless Chromium with JavaScript on: the
// instant filter narrows the table by audience, topic, provider, status and text (Turkish-aware),
// announces the count, keeps the choice in the address and restores it on reload. Without
// JavaScript the filter stays hidden and every programme is listed.
//
//   node tests/tools/ims-check.mjs target/debug/kume
import { createServer } from 'node:http';
import { readFile, mkdtemp } from 'node:fs/promises';
import { join, extname, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kume = process.argv[2] || join(repo, 'target/debug/kume');
const out = join(await mkdtemp(join(tmpdir(), 'kume-ims-')), 'public');
execFileSync(kume, ['build', '--root', repo, '--out', out], { env: { ...process.env, CI: '1' } });

const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml' };
const server = createServer(async (req, res) => {
  let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path.includes('..')) { res.writeHead(400); return res.end(); }
  if (path.endsWith('/')) path += 'index.html';
  try {
    const body = await readFile(join(out, path));
    res.writeHead(200, { 'content-type': types[extname(path)] || 'application/octet-stream' });
    res.end(body);
  } catch { res.writeHead(404); res.end(); }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;

const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const launch = async (javaScriptEnabled) => {
  const context = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'kume-chromium-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args, javaScriptEnabled,
  });
  await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
  return context;
};

let passed = 0, failed = 0;
async function step(name, fn) {
  try { await fn(); passed += 1; console.log(`ok   ${name}`); } catch (e) { failed += 1; console.log(`FAIL ${name}: ${e.message}`); }
}
function expect(cond, msg) { if (!cond) throw new Error(msg); }

const context = await launch(true);
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
const rows = '#programme-table tbody tr';
const visible = () => page.$$eval(rows, (rs) => rs.filter((r) => !r.hidden).length);
const matching = (value) => page.$$eval(rows, (rs, v) => rs.filter((r) => r.dataset.facets.split(' ').includes(v)).length, value);

await step('the catalogue narrows by audience, keeps it in the address and after a reload', async () => {
  await page.goto(`${base}/destekler/`);
  expect(await page.isVisible('.filter'), 'the filter shows with JavaScript');
  const total = await visible();
  await page.selectOption('#filter-audience', 'audience:support_institution');
  const expected = await matching('audience:support_institution');
  expect(await visible() === expected && expected > 0 && expected < total, `${await visible()} of ${total}, expected ${expected}`);
  expect(new URL(page.url()).searchParams.get('audience') === 'support_institution', page.url());
  expect((await page.textContent('.filter-count')).includes(`${expected} program`), 'the count is announced');
  await page.reload();
  expect(await visible() === expected, 'the filter survives a reload');
});
await step('facets combine: audience and topic together', async () => {
  await page.goto(`${base}/destekler/?audience=sme&topic=rd_innovation`);
  const both = await page.$$eval(rows, (rs) => rs.filter((r) => {
    const f = r.dataset.facets.split(' ');
    return f.includes('audience:sme') && f.includes('topic:rd_innovation');
  }).length);
  expect(both > 0 && await visible() === both, `${await visible()} shown, ${both} match both`);
});
await step('text search is Turkish-aware: "tubitak" finds the TÜBİTAK programmes', async () => {
  await page.goto(`${base}/destekler/`);
  const total = await visible();
  await page.fill('#filter-name', 'tubitak');
  const shown = await visible();
  const names = await page.$$eval(rows, (rs) => rs.filter((r) => !r.hidden).map((r) => r.textContent));
  expect(shown > 0 && shown < total && names.every((n) => n.includes('TÜBİTAK')), `${shown} of ${total}: ${names.join(' | ')}`);
  expect(new URL(page.url()).searchParams.get('q') === 'tubitak', page.url());
});
await step('the status filter works in English too', async () => {
  await page.goto(`${base}/en/programmes/?status=closed`);
  const expected = await matching('status:closed');
  expect(expected > 0 && await visible() === expected, `${await visible()} shown, expected ${expected}`);
  expect((await page.textContent('.filter-count')).includes(`${expected} programmes`), 'English count');
});
await step('no script errors', async () => { expect(errors.length === 0, errors.join('; ')); });
await context.close();

const noJs = await launch(false);
const plain = await noJs.newPage();
await step('without JavaScript the filter is hidden and every programme is listed', async () => {
  await plain.goto(`${base}/destekler/?audience=sme`);
  expect(!(await plain.isVisible('.filter')), 'the filter stays hidden');
  const all = await plain.$$eval(rows, (rs) => rs.filter((r) => !r.hidden).length);
  expect(all === await plain.$$eval(rows, (rs) => rs.length), 'every row shown');
  await plain.click('nav.facets a[href="/destekler/kitle/kobiler/"]');
  expect(new URL(plain.url()).pathname === '/destekler/kitle/kobiler/', plain.url());
});
await noJs.close();

server.close();
console.log(`programme catalogue: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
