// Site search in Debian's headless Chromium, on the repository's own site: Turkish and English
// queries, with and without Turkish letters, find the guidebook and the programmes catalogue;
// the query is kept in the address; without JavaScript the page says how to browse instead.
//
//   node tests/tools/search-check.mjs target/debug/kume
import { mkdtemp } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launchBrowser, serveSite, Report, expect } from './browser.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kume = process.argv[2] || join(repo, 'target/debug/kume');
const out = join(await mkdtemp(join(tmpdir(), 'kume-search-')), 'public');
execFileSync(kume, ['build', '--root', repo, '--out', out], { env: { ...process.env, CI: '1' } });
const { base, close } = await serveSite(out);
const browser = await launchBrowser();
const report = new Report();
const step = (name, fn) => report.step(name, fn);

const context = await browser.newContext();
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));

async function results(path, query) {
  await page.goto(`${base}${path}`);
  await page.fill('#search-q', query);
  await page.waitForFunction(() => document.getElementById('search-status').textContent.trim() !== ''
    && !document.getElementById('search-status').textContent.includes('…'));
  return page.$$eval('#search-results a', (as) => as.map((a) => a.getAttribute('href')));
}

// Each case: the page, the query, and an address that must be among the first results.
const cases = [
  ['/ara/', 'kümelenme destek', '/rehber/kume-destekleri/'],
  ['/ara/', 'kumelenme destek', '/rehber/kume-destekleri/'],
  ['/ara/', 'KÜMELENME DESTEK', '/rehber/kume-destekleri/'],
  ['/ara/', 'izleme degerlendirme', '/rehber/izleme-ve-degerlendirme/'],
  ['/en/search/', 'cluster support', '/en/guide/cluster-support/'],
  ['/en/search/', 'monitoring evaluation', '/en/guide/monitoring-and-evaluation/'],
  // Guidebook tools, with and without Turkish letters, and in English.
  ['/ara/', 'yoğunlaşma katsayısı', '/rehber/kume-analizi/istatistiksel-kume-esleme/'],
  ['/ara/', 'yogunlasma katsayisi', '/rehber/kume-analizi/istatistiksel-kume-esleme/'],
  ['/ara/', 'paydaş haritası', '/rehber/kumeyi-hareketlendirme/paydas-analizi/'],
  ['/ara/', 'paydas haritasi', '/rehber/kumeyi-hareketlendirme/paydas-analizi/'],
  ['/en/search/', 'location quotient', '/en/guide/cluster-analysis/statistical-cluster-mapping/'],
  ['/en/search/', 'swot', '/en/guide/cluster-analysis/swot-analysis/'],
  // Support programmes, by Turkish words with and without Turkish letters, and by English.
  ['/ara/', 'kümelenme destek programı', '/destekler/kumelenme-destek-programi/'],
  ['/ara/', 'kumelenme destek programi', '/destekler/kumelenme-destek-programi/'],
  ['/ara/', 'tübitak 1505', '/destekler/tubitak-1505/'],
  ['/ara/', 'tubitak 1505', '/destekler/tubitak-1505/'],
  ['/ara/', 'ur-ge', '/destekler/ur-ge/'],
  ['/en/search/', 'clustering support programme', '/en/programmes/kumelenme-destek-programi/'],
  ['/en/search/', 'euroclusters', '/en/programmes/euroclusters/'],
];
for (const [path, query, want] of cases) {
  await step(`${path} “${query}” finds ${want}`, async () => {
    const found = await results(path, query);
    expect(found.slice(0, 10).includes(want), `first results: ${found.slice(0, 10).join(', ')}`);
  });
}

await step('the split index: a query loads only the parts of its words\' first letters', async () => {
  const fetched = [];
  const listen = (r) => { if (/\/index-[^/]+\.json$/.test(r.url())) fetched.push(new URL(r.url()).pathname); };
  page.on('request', listen);
  const found = await results('/ara/', 'kümelenme destek');
  page.off('request', listen);
  expect(found.includes('/rehber/kume-destekleri/'), `results: ${found.join(', ')}`);
  expect(fetched.sort().join(' ') === '/ara/index-d.json /ara/index-k.json', `fetched: ${fetched.join(' ')}`);
});

await step('the header search box leads to the search page with the results', async () => {
  await page.goto(`${base}/`);
  await page.fill('#site-search-q', 'kumelenme');
  await page.press('#site-search-q', 'Enter');
  await page.waitForURL(/\/ara\/\?q=kumelenme/);
  await page.waitForSelector('#search-results li');
  expect(await page.inputValue('#search-q') === 'kumelenme', 'query carried over');
});

await step('a word no page has says so in the status', async () => {
  const found = await results('/ara/', 'zzxxqq');
  expect(found.length === 0, `unexpected results ${found}`);
  expect(!(await page.isVisible('#search-results')), 'empty list hidden');
});

await step('typing keeps the query in the address', async () => {
  await results('/en/search/', 'guide');
  expect(new URL(page.url()).searchParams.get('q') === 'guide', page.url());
});

await step('without JavaScript the page explains and lists the sections', async () => {
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const p = await noJs.newPage();
  await p.goto(`${base}/ara/?q=kume`);
  expect(await p.isVisible('noscript, .notice'), 'notice shown');
  expect((await p.$$('main ul a')).length >= 3, 'sections listed');
  await noJs.close();
});

await step('no script errors', async () => { expect(errors.length === 0, errors.join('; ')); });

await browser.close();
close();
process.exit(report.finish('search'));
