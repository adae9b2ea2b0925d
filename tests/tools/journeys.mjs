// Whole journeys in Debian's headless Chromium, against the site as production runs it: the built
// pages from a static host (with netlify.toml's headers) that passes /api/ to the real `kume
// serve --api-only` with a fresh SQLite file. A respondent with and without JavaScript, an
// invited respondent who saves and comes back on another device, and the public visitor
// (guidebook, clusters, benchmark). Every page on the way is screenshot at phone and desktop
// width into target/screenshots/ and scanned with axe-core in the state the journey left it in
// (the form with its errors shown, say).
//
//   node tests/tools/journeys.mjs target/debug/kume
//
// The site is the repository's own, copied to a temporary folder with its surveys' answering
// period moved around today, so that they accept answers whatever the date.
import { spawn, execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DESKTOP, PHONE, Report, axeViolations, expect, keepLocal, launchBrowser, serveSite, surveyScriptReady } from './browser.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kume = resolve(process.argv[2] || join(repo, 'target/debug/kume'));
const shots = join(repo, 'target/screenshots');
const work = await mkdtemp(join(tmpdir(), 'kume-journeys-'));
const root = join(work, 'project');
const db = join(work, 'responses.sqlite');

// ---- the project and the server ------------------------------------------------------------

function isoDay(offsetDays) {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

async function copyProject() {
  for (const part of ['site', 'templates', 'surveys']) await cp(join(repo, part), join(root, part), { recursive: true });
  for (const name of await readdir(join(root, 'surveys'))) {
    if (!name.endsWith('.yaml')) continue;
    const file = join(root, 'surveys', name);
    const text = (await readFile(file, 'utf8'))
      .replace(/^opens: .*$/m, `opens: ${isoDay(-1)}`)
      .replace(/^closes: .*$/m, `closes: ${isoDay(30)}`);
    await writeFile(file, text);
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => ok(port)); });
  });
}

/** The headers netlify.toml gives every page (the Content-Security-Policy above all). */
async function productionHeaders() {
  const toml = await readFile(join(repo, 'netlify.toml'), 'utf8');
  const block = toml.split('[[headers]]').find((b) => /for = "\/\*"/.test(b)) || '';
  return Object.fromEntries([...block.matchAll(/^\s*([A-Za-z-]+) = "(.*)"$/gm)].filter(([, k]) => k !== 'for').map(([, k, v]) => [k, v]));
}

/**
 * As in production: the built site from a static host that passes /api/ to `kume serve
 * --api-only`. (The development server would rebuild and reload open pages after each answer.)
 */
async function startSite() {
  execFileSync(kume, ['build', '--root', root, '--out', join(work, 'public')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  const port = await freePort();
  const sitePort = await freePort();
  // The static host's origin is this test's, not the configured base_url: allowed to post.
  const child = spawn(kume, ['serve', '--api-only', '--root', root, '--addr', `127.0.0.1:${port}`, '--db', db,
    '--site-origin', `http://127.0.0.1:${sitePort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const api = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error(`kume serve stopped:\n${log}`);
    try {
      if ((await fetch(`${api}/api/v1/health`)).ok) {
        const site = await serveSite(join(work, 'public'), { api, headers: await productionHeaders(), port: sitePort });
        return { base: site.base, stop: () => { site.close(); child.kill(); } };
      }
    } catch { /* not listening yet */ }
    await new Promise((ok) => setTimeout(ok, 200));
  }
  child.kill();
  throw new Error(`kume serve did not answer within two minutes:\n${log}`);
}

function kumeCommand(args) {
  // Its progress lines on stderr would interleave with the step report.
  return execFileSync(kume, [...args, '--root', root, '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Final responses of a survey in the database, through the analysts' export. */
async function finalResponses(survey) {
  const out = join(work, `${survey}.json`);
  kumeCommand(['export', '--survey', survey, '--format', 'json', '--out', out]);
  return JSON.parse(await readFile(out, 'utf8'));
}

/** Checks that exactly one response arrived since `before` and that it holds `expected`. */
async function expectOneNew(survey, before, expected) {
  const rows = await finalResponses(survey);
  expect(rows.length === before + 1, `${rows.length - before} new responses`);
  const stored = rows[rows.length - 1];
  for (const [key, value] of Object.entries(expected)) {
    const got = key in stored ? stored[key] : stored.answers[key];
    expect(got === value, `stored ${key} is ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
  }
}

/** The invitation's status (`none`, `draft`, `final`) as `kume status` lists it. */
function invitationStatus(survey, firm) {
  const row = kumeCommand(['status', '--survey', survey]).split('\n').find((l) => l.startsWith(`${firm},`));
  expect(row, `${firm} is not in kume status`);
  return row.split(',')[3];
}

/** A new browser profile: nothing stored, only this machine reachable. */
async function freshContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  await keepLocal(context);
  // A missing element fails the step in seconds, not after Playwright's half a minute.
  context.setDefaultTimeout(10_000);
  context.on('page', (page) => page.on('response', (response) => {
    const redirect = response.status() >= 300 && response.status() < 400;
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame() && !redirect) served.set(page, response);
  }));
  return context;
}

// ---- page helpers ----------------------------------------------------------------------------

// Pages of contexts without JavaScript, where axe-core cannot run.
const scriptless = new WeakSet();
// Each page's last document as the server sent it (the HTML checker reads these).
const served = new WeakMap();
const servedDir = join(shots, 'html');

/**
 * axe-core runs as a script; a page seen without JavaScript is scanned as a copy of its HTML in a
 * context with JavaScript, with the site's own scripts blocked so that it stays as it was seen.
 */
async function axeViolationsWithoutScript(seen) {
  const html = await seen.content();
  const context = await seen.context().browser().newContext({ viewport: seen.viewportSize() });
  try {
    await keepLocal(context);
    const page = await context.newPage();
    await page.route('**/js/**', (route) => route.abort());
    await page.route(seen.url(), (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto(seen.url());
    return await axeViolations(page);
  } finally {
    await context.close();
  }
}

/** Content that runs past the right edge of the screen outside a scrolling box (tables scroll). */
function offscreen(page) {
  return page.evaluate(() => {
    const scrolls = (el) => {
      for (let p = el.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return true;
      return false;
    };
    return [...document.querySelectorAll('main *')]
      .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 1 && r.right > window.innerWidth + 1 && !scrolls(el); })
      .slice(0, 3)
      .map((el) => `<${el.tagName.toLowerCase()}> "${el.textContent.trim().slice(0, 40)}"`);
  });
}

/** Screenshots the page at phone and desktop width, then scans it with axe-core. */
async function record(page, name) {
  await mkdir(shots, { recursive: true });
  for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await page.setViewportSize(viewport);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    expect(!wide, `${name} scrolls sideways at ${viewport.width} px`);
    const cut = await offscreen(page);
    expect(cut.length === 0, `${name} at ${viewport.width} px runs off the screen: ${cut.join('; ')}`);
    // Long pages are cut at a few screens: the layout shows there, and files stay small.
    const height = Math.min(await page.evaluate(() => document.documentElement.scrollHeight), viewport.height * 6);
    // A tall viewport instead of a full-page capture: the book's print page is a hundred
    // screens long, and capturing all of it to keep six takes minutes.
    await page.setViewportSize({ width: viewport.width, height });
    await page.screenshot({ path: join(shots, `${name}-${size}.png`) });
    await page.setViewportSize(viewport);
  }
  const response = served.get(page);
  if (response) {
    await mkdir(servedDir, { recursive: true });
    await writeFile(join(servedDir, `${name}.html`), await response.text());
  }
  const violations = scriptless.has(page) ? await axeViolationsWithoutScript(page) : await axeViolations(page);
  expect(violations.length === 0, `axe-core on ${name} (${page.url()}):\n  ${violations.join('\n  ')}`);
}

async function follow(page, selector) {
  const link = page.locator(selector).first();
  expect(await link.count() > 0, `no link ${selector} on ${page.url()}`);
  await Promise.all([page.waitForNavigation(), link.click()]);
}

function path(page) { return new URL(page.url()).pathname; }

/**
 * Answers every visible question still unanswered in `scope` (a section, or the whole form
 * when sections are not paged): the first choice, 1 for numbers, a short text (optional fields
 * with a pattern stay empty). Runs in the page
 * and fires the events a person's typing would, so the form's script reacts as it would to them.
 */
function answerRest(page, scope) {
  return page.evaluate((scopeSelector) => {
    const shown = (el) => !el.disabled && el.getClientRects().length > 0;
    const fire = (el) => { el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })); };
    const set = (el, value) => { if (el.value === value) return 0; el.value = value; fire(el); return 1; };
    const guess = (el) => ({ number: '1', email: 'yanitlayan@example.org', tel: '+90 312 000 00 00', date: '2026-06-01' }[el.type]
      ?? (el.inputMode === 'numeric' || el.inputMode === 'decimal' ? '1' : 'Deneme'));
    const holder = document.querySelector(scopeSelector);
    // One pass answers what is visible; an answer can reveal a question, so pass again.
    const pass = () => {
      let changed = 0;
      const groups = new Map();
      for (const el of [...holder.querySelectorAll('input, select, textarea')].filter(shown)) {
        if (el.type === 'hidden' || el.name.startsWith('_')) continue;
        if (el.type === 'radio' || el.type === 'checkbox') {
          if (!groups.has(el.name)) groups.set(el.name, []);
          groups.get(el.name).push(el);
        } else if (el.tagName === 'SELECT') {
          if (!el.value) changed += set(el, [...el.options].find((o) => o.value).value);
        } else if (!el.value && !el.readOnly && (el.required || !el.pattern)) {
          changed += set(el, guess(el));
        }
      }
      for (const group of groups.values()) {
        if (!group.some((el) => el.checked)) { group[0].click(); changed += 1; }
      }
      return changed;
    };
    for (let i = 0; i < 5 && pass() > 0; i += 1);
  }, scope);
}

/** The section the paged form shows now. */
function currentSection(page) {
  return page.evaluate(() => {
    const s = [...document.querySelectorAll('.survey-section')].find((el) => el.getClientRects().length > 0);
    return s ? `#${s.id}` : null;
  });
}

/** Answers the remaining sections of a paged form until its review page, where it can be sent. */
async function answerToReview(page) {
  for (let i = 0; i < 20; i += 1) {
    const section = await currentSection(page);
    if (!section) break;
    await answerRest(page, section);
    await page.click('.page-nav button:nth-child(3)');
    const stuck = (await currentSection(page)) === section;
    if (stuck) {
      const errors = await page.$$eval(`${section} .field-error:not([hidden])`, (els) => els.map((e) => e.closest('.question').id + ': ' + e.textContent));
      throw new Error(`cannot leave ${section}: ${errors.join('; ')}`);
    }
  }
  expect(await page.isVisible('.review'), 'the review page is shown');
}

async function submitAndLand(page, thanksPath) {
  await Promise.all([page.waitForNavigation(), page.click('.form-actions .button-primary')]);
  expect(path(page) === thanksPath, `landed on ${page.url()}, expected ${thanksPath}`);
}

// ---- the journeys ------------------------------------------------------------------------------

const OPEN_SURVEY = 'paydas-ihtiyac';
const OPEN_FORM = `/anket/${OPEN_SURVEY}/`;
const OPEN_THANKS = `/anket/${OPEN_SURVEY}/tesekkurler/`;

/** A guidebook reader: home, a chapter, the whole book's print page. */
async function guidebookReader({ page, step }) {
  await step('home page', async () => {
    await page.goto(`${base}/`);
    await record(page, 'home');
  });
  await step('home → guidebook → a chapter', async () => {
    await follow(page, 'a[href="/rehber/"]');
    await follow(page, 'main a[href^="/rehber/"][href$="/"]:not([href="/rehber/"]):not([href*="yazdir"])');
    expect(/^\/rehber\/[^/]+\//.test(path(page)), `a chapter, not ${path(page)}`);
    await record(page, 'guide-chapter');
  });
  await step('chapter → the print page of the whole book', async () => {
    await follow(page, 'a[href="/rehber/yazdir/"]');
    const chapters = await page.locator('main h1, main h2').count();
    expect(chapters > 5, `the print page shows ${chapters} headings`);
    await record(page, 'guide-print');
  });
}

/** An English reader: the language switch on the home page, a guidebook chapter, the print page. */
async function englishReader({ page, step }) {
  await step('the Turkish home page switches to English', async () => {
    await page.goto(`${base}/`);
    await follow(page, 'a[hreflang="en"]');
    expect(path(page) === '/en/' && await page.getAttribute('html', 'lang') === 'en', `${path(page)} in English`);
  });
  await step('English home → guidebook → a chapter → print page', async () => {
    await follow(page, 'a[href="/en/guide/"]');
    await follow(page, 'main a[href^="/en/guide/"][href$="/"]:not([href="/en/guide/"]):not([href*="print"])');
    expect(/^\/en\/guide\/[^/]+\//.test(path(page)), `a chapter, not ${path(page)}`);
    await record(page, 'en-guide-chapter');
    await follow(page, 'a[href="/en/guide/print/"]');
    await record(page, 'en-guide-print');
  });
}

/** A visitor comparing clusters: the directory, a profile, the benchmark and one indicator. */
async function clusterVisitor({ page, step }) {
  await step('cluster directory', async () => {
    await page.goto(`${base}/kumeler/`);
    expect(await page.locator('#cluster-table tbody tr').count() > 5, 'the directory lists clusters');
    await record(page, 'directory');
  });
  await step('directory → a cluster profile', async () => {
    await follow(page, '#cluster-table tbody th a');
    expect(/^\/kumeler\/[^/]+\/$/.test(path(page)), `a profile, not ${path(page)}`);
    await record(page, 'profile');
  });
  await step('profile → the benchmark overview', async () => {
    await follow(page, 'main a[href="/kiyaslama/"]');
    await record(page, 'benchmark');
  });
  await step('benchmark overview → an indicator', async () => {
    await follow(page, 'main a[href^="/kiyaslama/"]:not([href="/kiyaslama/"])');
    expect(/^\/kiyaslama\/[^/]+\/$/.test(path(page)), `an indicator, not ${path(page)}`);
    await record(page, 'indicator');
  });
}

/** An SME looking for support: the header search box, a programme, the what-do-I-need page. */
async function programmeSeeker({ page, step }) {
  await step('the header search box finds a programme typed without Turkish letters', async () => {
    await page.goto(`${base}/`);
    await page.fill('#site-search-q', 'kumelenme destek programi');
    await Promise.all([page.waitForNavigation(), page.press('#site-search-q', 'Enter')]);
    expect(path(page) === '/ara/', `the search page, not ${path(page)}`);
    await page.waitForSelector('#search-results li');
    await record(page, 'search');
  });
  await step('search result → the programme page', async () => {
    await follow(page, '#search-results a[href="/destekler/kumelenme-destek-programi/"]');
    await record(page, 'programme');
  });
  await step('programme catalogue → the what-do-I-need page for SMEs', async () => {
    await page.goto(`${base}/destekler/`);
    await record(page, 'programmes');
    await page.goto(`${base}/neye-ihtiyacim-var/kobi/`);
    await record(page, 'what-do-i-need');
  });
  await step('sector analysis: the national map and a province', async () => {
    await page.goto(`${base}/sektor-analizi/`);
    await record(page, 'sector-overview');
    await page.goto(`${base}/iller/samsun/sektorler/`);
    await record(page, 'sector-province');
  });
}

/** A stakeholder answers the open needs survey with JavaScript on. */
async function respondentWithScript({ page, step }) {
  const before = (await finalResponses(OPEN_SURVEY)).length;
  await step('survey form opens with its first section', async () => {
    await page.goto(`${base}${OPEN_FORM}`);
    await surveyScriptReady(page);
    expect(await page.isVisible('.page-nav'), 'paged navigation');
    await record(page, 'survey-form');
  });
  await step('skip logic shows a question when its condition holds and hides it again', async () => {
    expect(await page.isHidden('#q-oda_turu'), 'chamber type hidden at first');
    await page.check('[name="kurum_turu"][value="oda"]');
    expect(await page.isVisible('#q-oda_turu'), 'chamber type shown for "Oda veya borsa"');
    await page.check('[name="kurum_turu"][value="universite"]');
    expect(await page.isHidden('#q-oda_turu'), 'chamber type hidden again for a university');
    await page.check('[name="kurum_turu"][value="oda"]');
  });
  await step('an unanswered required question is caught inline', async () => {
    await page.click('.page-nav button:nth-child(3)');
    const error = page.locator('#q-oda_turu .field-error');
    expect(await error.isVisible(), 'an error under the chamber type');
    expect(/zorunlu/.test(await error.textContent()), `message: ${await error.textContent()}`);
    expect(await page.isVisible('#s-kurum'), 'the form stays on the section');
    await record(page, 'survey-errors');
  });
  await step('the draft survives a reload', async () => {
    await answerRest(page, '#s-kurum');
    await page.waitForTimeout(500);
    await page.reload();
    await surveyScriptReady(page);
    expect(await page.isChecked('[name="kurum_turu"][value="oda"]'), 'the institution type is restored');
    expect(await page.isVisible('#q-oda_turu'), 'and with it the conditional question');
    expect(await page.isVisible('.draft-note'), 'the restore is announced');
  });
  await step('a number out of range is caught with its message', async () => {
    await page.click('.page-nav button:nth-child(3)');
    await answerRest(page, await currentSection(page));
    await page.click('.page-nav button:nth-child(3)');
    expect(await currentSection(page) === '#s-kapasite', `the capacity section, not ${await currentSection(page)}`);
    await page.fill('#f-kume_personel_sayisi', '-3');
    await page.click('.page-nav button:nth-child(3)');
    const text = await page.textContent('#q-kume_personel_sayisi .field-error');
    expect(/En az 0/.test(text), `message: ${text}`);
    await page.fill('#f-kume_personel_sayisi', '2');
  });
  await step('the answers are reviewed and sent; the thank-you page follows', async () => {
    await answerToReview(page);
    await submitAndLand(page, OPEN_THANKS);
    await record(page, 'thanks');
  });
  await step('the response is stored exactly once, as answered', async () => {
    await expectOneNew(OPEN_SURVEY, before, { kurum_turu: 'oda', kume_personel_sayisi: 2, lang: 'tr' });
  });
}

/** The same survey without JavaScript: the server checks and re-renders the form. */
async function respondentWithoutScript({ page, step }) {
  const before = (await finalResponses(OPEN_SURVEY)).length;
  await step('without JavaScript the whole form is one page', async () => {
    await page.goto(`${base}${OPEN_FORM}`);
    expect(await page.isHidden('.page-nav'), 'no paging');
    expect(await page.isVisible('.form-actions .button-primary'), `a send button on ${page.url()}`);
  });
  await step('an invalid submission comes back with its errors and the answers kept', async () => {
    await page.check('[name="kurum_turu"][value="oda"]');
    await answerRest(page, 'form.survey-form');
    await page.fill('#f-kume_personel_sayisi', '-3');
    const response = await Promise.all([page.waitForNavigation(), page.click('.form-actions .button-primary')]).then(([r]) => r);
    expect(response.status() === 422, `status ${response.status()}`);
    expect(await page.isVisible('.error-summary'), 'the error summary');
    expect(/En az 0/.test(await page.textContent('#q-kume_personel_sayisi .field-error')), 'the field error');
    expect(await page.isChecked('[name="kurum_turu"][value="oda"]'), 'a choice kept');
    expect(await page.inputValue('#f-kume_personel_sayisi') === '-3', 'the wrong number kept to correct');
    await record(page, 'survey-errors-nojs');
  });
  await step('the corrected submission lands once', async () => {
    await page.fill('#f-kume_personel_sayisi', '2');
    await submitAndLand(page, OPEN_THANKS);
    await record(page, 'thanks-nojs');
    await expectOneNew(OPEN_SURVEY, before, { kurum_turu: 'oda', kume_personel_sayisi: 2 });
  });
}

/** An invited firm saves its answers, then finishes them in another browser. */
async function invitedRespondent({ page, step, browser, scriptErrors }) {
  const firm = 'Örnek Makina A.Ş.';
  let link = '';
  await step('kume invite writes a personal link', async () => {
    const roster = join(work, 'roster.csv');
    await writeFile(roster, `firm,cluster,email\n${firm},ornek-corum-makina,firma@example.org\n`);
    const csv = kumeCommand(['invite', '--survey', 'uye-firma', '--roster', roster, '--base-url', base]);
    link = csv.split('\n').find((l) => l.startsWith(firm)).split(',').pop();
    expect(link.startsWith(`${base}/api/v1/surveys/uye-firma/form?t=`), link);
  });
  let saved = [];
  await step('the first page is answered and saved for later', async () => {
    await page.goto(link);
    await surveyScriptReady(page);
    const section = await currentSection(page);
    await answerRest(page, section);
    saved = await page.$$eval(`${section} input:checked`, (els) => els.map((e) => e.id));
    const save = 'button[name="_action"][value="draft"]';
    expect(await page.isVisible(save), '"save and continue later" is offered on the first page');
    await Promise.all([page.waitForNavigation(), page.click(save)]);
    expect(await page.isVisible('.draft-note'), 'the saved notice');
    expect(invitationStatus('uye-firma', firm) === 'draft', 'kume status says draft');
    await record(page, 'invitation-saved');
  });
  const other = await freshContext(browser);
  const later = await other.newPage();
  later.on('pageerror', (e) => scriptErrors.push(String(e)));
  await step('the link opens the saved answers in a fresh browser', async () => {
    await later.goto(link);
    await surveyScriptReady(later);
    for (const id of saved) expect(await later.isChecked(`#${id}`), `${id} restored`);
  });
  await step('the invited respondent finishes and sends', async () => {
    await answerToReview(later);
    await submitAndLand(later, '/anket/uye-firma/tesekkurler/');
    expect(invitationStatus('uye-firma', firm) === 'final', 'kume status says final');
    await expectOneNew('uye-firma', 0, { firm, cluster: 'ornek-corum-makina' });
  });
  await other.close();
}

/** Runs the Nu HTML Checker over a folder; fails with its report. */
function checkHtml(dir) {
  const jar = join(repo, 'tests/tools/node_modules/vnu-jar/build/dist/vnu.jar');
  try {
    execFileSync('java', ['-jar', jar, '--errors-only', '--skip-non-html', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(String(e.stderr || e.message).trim());
  }
}

// The journeys, in order; each gets a fresh browser context. A new journey is a function like
// these added to this list.
const JOURNEYS = [
  { name: 'guidebook reader', run: guidebookReader },
  { name: 'English reader', run: englishReader },
  { name: 'cluster visitor', run: clusterVisitor },
  { name: 'SME looking for support', run: programmeSeeker },
  { name: 'respondent with JavaScript', run: respondentWithScript },
  { name: 'respondent without JavaScript', run: respondentWithoutScript, javaScriptEnabled: false },
  { name: 'invited respondent on two devices', run: invitedRespondent },
];

// ---- run ------------------------------------------------------------------------------------------

await rm(shots, { recursive: true, force: true });
await copyProject();
const { base, stop } = await startSite();
const browser = await launchBrowser();
const report = new Report();
try {
  for (const journey of JOURNEYS) {
    console.log(`-- ${journey.name}`);
    const context = await freshContext(browser, { javaScriptEnabled: journey.javaScriptEnabled ?? true });
    const page = await context.newPage();
    if (journey.javaScriptEnabled === false) scriptless.add(page);
    const scriptErrors = [];
    page.on('pageerror', (e) => scriptErrors.push(String(e)));
    let going = true;
    // After a failed step the journey stops: the later steps depend on it.
    const step = async (name, fn) => {
      if (!going) { console.log(`skip ${name}`); return; }
      going = await report.step(name, fn);
    };
    await journey.run({ page, step, browser, scriptErrors });
    await report.step(`${journey.name}: no script errors`, async () => expect(scriptErrors.length === 0, scriptErrors.join('; ')));
    await context.close();
  }
  await report.step('every page as served is valid HTML (Nu HTML Checker)', async () => checkHtml(servedDir));
} finally {
  await browser.close();
  stop();
  await rm(work, { recursive: true, force: true });
}
console.log(`screenshots: ${shots}`);
process.exit(report.finish('journeys'));
