// Drives a survey form in Debian's headless Chromium with JavaScript on: conditional questions
// show and hide, calculated values update, Turkish numbers are read as 1.234,5, errors appear
// inline and in the summary, the draft survives a reload, and the submission carries an
// idempotency key and cannot be sent twice. Also the cluster directory's instant filter.
//
//   node tests/tools/form-check.mjs target/release/kume
import { readFile, mkdtemp, cp, writeFile, mkdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Report, expect, launchPersistent, serveSite, surveyScriptReady } from './browser.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kume = process.argv[2] || join(repo, 'target/release/kume');
const site = await mkdtemp(join(tmpdir(), 'kume-form-'));
await cp(join(repo, 'templates'), join(site, 'templates'), { recursive: true });
// The guidebook's templates name guidebook pages this small site does not have.
const noGuide = (src) => !src.startsWith(join(repo, 'site/static/rehber'));
for (const part of ['i18n', 'static']) await cp(join(repo, 'site', part), join(site, 'site', part), { recursive: true, filter: noGuide });
await cp(join(repo, 'tests/fixtures/base'), site, { recursive: true });
await mkdir(join(site, 'surveys'), { recursive: true });
await writeFile(join(site, 'surveys/deneme.yaml'), await readFile(join(repo, 'tests/fixtures/surveys/deneme.yaml')));
await writeFile(join(site, 'surveys/sayfali.yaml'), await readFile(join(repo, 'tests/fixtures/surveys/sayfali.yaml')));
// The real cluster registry, for the directory's instant filter.
await cp(join(repo, 'site/data/clusters'), join(site, 'site/data/clusters'), { recursive: true });
execFileSync(kume, ['build', '--root', site, '--out', join(site, 'public')], { env: { ...process.env, CI: '1' } });

const server = await serveSite(join(site, 'public'));
const base = server.base;

const context = await launchPersistent(await mkdtemp(join(tmpdir(), 'kume-chromium-')));
const posts = [];
await context.route('**/*', async (route) => {
  const url = new URL(route.request().url());
  if (url.hostname !== '127.0.0.1') return route.abort();
  if (url.pathname.startsWith('/api/')) {
    posts.push(route.request().postData() || '');
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>ok</title><p>ok</p>' });
  }
  return route.continue();
});
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));

const report = new Report();
const step = (name, fn) => report.step(name, fn);

await page.goto(`${base}/anket/deneme/`);
await surveyScriptReady(page);
await step('keyboard only: Tab reaches the first choice and Space ticks it', async () => {
  for (let i = 0; i < 60; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement && document.activeElement.id === 'f-uye_mi')) break;
  }
  await page.keyboard.press('Space');
  expect(await page.isChecked('[name="uye_mi"][value="evet"]'), 'reached and ticked by keyboard');
  await page.reload();
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await surveyScriptReady(page);
});
await step('at 200 % zoom (640 CSS pixels) nothing scrolls sideways', async () => {
  await page.setViewportSize({ width: 640, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  await page.setViewportSize({ width: 1280, height: 900 });
  expect(!wide, 'the page is wider than the viewport');
});
await step('conditional question is hidden until its condition holds', async () => {
  expect(await page.isHidden('#q-uye_sayisi'), 'uye_sayisi should start hidden');
  await page.check('[name="uye_mi"][value="evet"]');
  expect(await page.isVisible('#q-uye_sayisi'), 'uye_sayisi should show after "Evet"');
});
await step('calculated value updates', async () => {
  await page.fill('#f-uye_sayisi', '8');
  await page.fill('#f-aktif_uye', '2');
  const out = await page.textContent('[data-calc="oran"]');
  expect(out.trim() === '25', `oran shows "${out}"`);
});
await step('Turkish number input and range error in Turkish', async () => {
  await page.fill('#f-uye_sayisi', '1.234');
  await page.click('main .form-actions button[type="submit"]');
  const text = await page.textContent('#q-uye_sayisi .field-error');
  expect(/En çok 1\.000 olabilir/.test(text), `error text was "${text}"`);
  expect(await page.isVisible('.error-summary'), 'error summary shown');
  expect(posts.length === 0, 'nothing was sent');
});
await step('cross-field check reports its own message', async () => {
  await page.fill('#f-uye_sayisi', '8');
  await page.fill('#f-aktif_uye', '9');
  await page.click('main .form-actions button[type="submit"]');
  const text = await page.textContent('#q-aktif_uye .field-error');
  expect(/toplamı aşamaz/.test(text), `error text was "${text}"`);
  const summary = await page.textContent('.error-summary');
  expect(/Etkin üye sayısı/.test(summary), 'summary links the field');
});
await step('draft survives a reload', async () => {
  await page.fill('#f-aktif_uye', '2');
  await page.waitForTimeout(500);
  await page.reload();
  await surveyScriptReady(page);
  expect((await page.inputValue('#f-uye_sayisi')) === '8', 'uye_sayisi restored');
  expect(await page.isChecked('[name="uye_mi"][value="evet"]'), 'radio restored');
  expect(await page.isVisible('.draft-note'), 'the restore is announced');
});
await step('submission carries an idempotency key and is sent once', async () => {
  await Promise.all([page.waitForNavigation(), page.click('main .form-actions button[type="submit"]')]);
  expect(posts.length === 1, `sent ${posts.length} times`);
  const body = new URLSearchParams(posts[0]);
  expect((body.get('_key') || '').length >= 16, 'idempotency key');
  expect(body.get('uye_mi') === 'evet' && body.get('uye_sayisi') === '8', 'answers sent');
});
await page.goto(`${base}/anket/sayfali/`);
await surveyScriptReady(page);
await step('paged survey shows one section with its progress', async () => {
  expect(await page.isVisible('#s-kurum') && await page.isHidden('#s-hizmet'), 'only the first section');
  expect((await page.textContent('.page-nav .progress')).includes('1 / 3'), 'progress 1 / 3');
  expect(await page.isHidden('.form-actions'), 'no submit before the review');
});
await step('a choice filter offers only the matching choices', async () => {
  expect(await page.isVisible('[name="il"][value="TR611"]'), 'all provinces before a region is chosen');
  await page.check('[name="bolge"][value="karadeniz"]');
  expect(await page.isVisible('[name="il"][value="TR831"]') && await page.isHidden('[name="il"][value="TR611"]'), 'Antalya hidden for Karadeniz');
});
await step('a section is checked before moving on', async () => {
  await page.click('.page-nav button:nth-child(3)');
  expect(await page.isVisible('#s-kurum'), 'stays on the first section');
  expect(/zorunludur/.test(await page.textContent('#q-kurum_adi .field-error')), 'required error');
  await page.fill('#f-kurum_adi', 'Samsun TSO');
  await page.click('.page-nav button:nth-child(3)');
  expect(await page.isVisible('#s-hizmet'), 'second section');
});
await step('an exclusive choice clears the others', async () => {
  await page.check('[name="hizmetler"][value="egitim"]');
  await page.check('[name="hizmetler"][value="yok"]');
  expect(!(await page.isChecked('[name="hizmetler"][value="egitim"]')), '"Hiçbiri" unticks "Eğitim"');
  await page.check('[name="hizmetler"][value="ihracat"]');
  expect(!(await page.isChecked('[name="hizmetler"][value="yok"]')), 'a choice unticks "Hiçbiri"');
});
await step('"if other, please specify" shows only while "other" is ticked', async () => {
  const box = '.other-specify[data-other-for="f-hizmetler-diger"]';
  expect(await page.isHidden(box), 'hidden while "other" is not ticked');
  await page.check('[name="hizmetler"][value="diger"]');
  expect(await page.isVisible(box), 'shown once "other" is ticked');
  await page.uncheck('[name="hizmetler"][value="diger"]');
  expect(await page.isHidden(box), 'hidden again');
});
await step('repeat shows one entry and adds more on request', async () => {
  await page.click('.page-nav button:nth-child(3)');
  const count = () => page.$$eval('#q-projeler .repeat-item', (items) => items.length);
  expect(await count() === 1, `${await count()} entries rendered, expected one`);
  await page.click('#q-projeler .repeat-add');
  expect(await count() === 2, 'a second entry after "add another"');
  const names = await page.$$eval('#q-projeler .repeat-item:nth-child(n) [name]', (els) => els.map((e) => e.name));
  expect(names.some((n) => n.startsWith('projeler[1].')), `the copy is numbered for the collector: ${names.join(' ')}`);
  const ids = await page.$$eval('#q-projeler [id]', (els) => els.map((e) => e.id));
  expect(new Set(ids).size === ids.length, 'no id twice');
  expect(await page.$eval('#q-projeler input[name="_slots.projeler"]', (e) => e.value) === '2', 'the entry count goes with the answers');
});
await step('the review page lists the answers before sending', async () => {
  await page.click('.page-nav button:nth-child(3)');
  const review = await page.textContent('.review');
  expect(/Yanıtlarınızı kontrol edin/.test(review) && /Samsun TSO/.test(review) && /İhracat/.test(review), review);
  expect(await page.isVisible('.form-actions'), 'submit on the review page');
});
await step('the cluster directory filters by facet and name, and keeps the choice in the address', async () => {
  await page.goto(`${base}/kumeler/`);
  const visible = () => page.$$eval('#cluster-table tbody tr', (rows) => rows.filter((r) => !r.hidden).length);
  const total = await visible();
  const option = await page.$eval('#filter-maturity', (s) => s.options[1].value);
  const expected = await page.$$eval('#cluster-table tbody tr', (rows, v) => rows.filter((r) => r.dataset.facets.split(' ').includes(v)).length, option);
  await page.selectOption('#filter-maturity', option);
  expect(await visible() === expected && expected < total, `${await visible()} of ${total} rows, expected ${expected}`);
  expect(new URL(page.url()).searchParams.get('maturity') === option.split(':')[1], page.url());
  expect((await page.textContent('.filter-count')).includes(String(expected)), 'the count is announced');
  await page.reload();
  expect(await visible() === expected, 'the filter survives a reload');
  await page.selectOption('#filter-maturity', '');
  await page.fill('#filter-name', 'istanbul');
  const byName = await visible();
  expect(byName > 0 && byName < total, `"istanbul" finds İstanbul clusters (${byName} of ${total})`);
});
await step('no script errors', async () => { expect(errors.length === 0, errors.join('; ')); });

await context.close();
server.close();
process.exit(report.finish('form behaviour'));
