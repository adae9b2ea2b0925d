// What the browser checks share: Debian's headless Chromium with the same flags everywhere,
// requests kept on this machine, axe-core with the WCAG 2.2 AA rule tags, and the one-line
// step report (ok / FAIL) with the exit code at the end.
import { readFile, readdir } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

// No GPU, no network chatter of Chromium's own: the checks must not depend on the machine.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

/** A browser with a profile of its own in `profileDir` (local storage survives reloads). */
export function launchPersistent(profileDir, options = {}) {
  return chromium.launchPersistentContext(profileDir, { executablePath, args: CHROMIUM_ARGS, ...options });
}

/** A browser for several independent contexts (each a fresh profile). */
export function launchBrowser() {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/** Lets only requests to this machine through: a check never reaches the internet. */
export function keepLocal(context) {
  return context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
  });
}

let axeSource = null;

/** Runs axe-core on the page as it is now; returns one readable line per violation and node. */
export async function axeViolations(page) {
  if (axeSource === null) {
    const require = createRequire(import.meta.url);
    axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  }
  // Evaluated by the browser itself, so that the site's Content-Security-Policy allows it.
  await page.evaluate(axeSource);
  const result = await page.evaluate((values) => window.axe.run(document, { runOnly: { type: 'tag', values } }), AXE_TAGS);
  const lines = [];
  for (const v of result.violations) {
    lines.push(`${v.id} (${v.impact}): ${v.help}`);
    for (const node of v.nodes.slice(0, 3)) lines.push(`    ${node.target.join(' ')}: ${node.failureSummary.split('\n').join(' ')}`);
  }
  return lines;
}

/** Counts steps and prints one line for each. */
export class Report {
  constructor() { this.passed = 0; this.failed = 0; }

  /** Runs one step; returns whether it passed (the caller decides whether to go on). */
  async step(name, fn) {
    try {
      await fn();
      this.passed += 1;
      console.log(`ok   ${name}`);
      return true;
    } catch (e) {
      this.failed += 1;
      console.log(`FAIL ${name}: ${e.message}`);
      return false;
    }
  }

  /** Prints the summary and returns the exit code. */
  finish(what) {
    console.log(`${what}: ${this.passed} passed, ${this.failed} failed`);
    return this.failed ? 1 : 0;
  }
}

export function expect(cond, msg) { if (!cond) throw new Error(msg); }

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml',
  '.xml': 'application/xml', '.json': 'application/json', '.csv': 'text/csv; charset=utf-8',
};

/**
 * Serves a built site from 127.0.0.1 as the static host does: files by path (`/x/` is
 * `/x/index.html`), the given `headers` on every answer, and with `api` (an origin such as
 * `http://127.0.0.1:8081`) every `/api/` request passed to the collector, as netlify.toml does.
 * `port` 0 takes any free port; `gzip` compresses text as the static host does.
 * Resolves to `{ base, close }`.
 */
export async function serveSite(dir, { api = null, headers = {}, port = 0, gzip = false } = {}) {
  const server = createServer(async (req, res) => {
    if (api && req.url.startsWith('/api/')) return forward(req, res, api);
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path.includes('..')) { res.writeHead(400); return res.end(); }
    if (path.endsWith('/')) path += 'index.html';
    try {
      let body = await readFile(join(dir, path));
      const type = TYPES[extname(path)] || 'application/octet-stream';
      // As the static host does: text compressed for clients that accept it.
      const compress = gzip && /gzip/.test(req.headers['accept-encoding'] || '') && /text|json|xml|svg|javascript/.test(type);
      if (compress) body = gzipSync(body);
      res.writeHead(200, { ...headers, 'content-type': type, ...(compress ? { 'content-encoding': 'gzip', vary: 'Accept-Encoding' } : {}) });
      res.end(body);
    } catch {
      res.writeHead(404, headers); res.end();
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

function forward(req, res, origin) {
  const target = new URL(req.url, origin);
  const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => { res.writeHead(502); res.end(); });
  req.pipe(upstream);
}

async function htmlFiles(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await htmlFiles(p));
    else if (e.name.endsWith('.html')) out.push(p);
  }
  return out.sort();
}

/**
 * The address of every HTML page of a built site, sorted, but redirect pages (they jump straight
 * to another page) and the pages for which `skip(html)` is true.
 */
export async function sitePages(root, skip = () => false) {
  const pages = [];
  for (const file of await htmlFiles(root)) {
    const html = await readFile(file, 'utf8');
    if (html.includes('http-equiv="refresh"') || skip(html)) continue;
    pages.push('/' + relative(root, file).replaceAll('\\', '/').replace(/index\.html$/, ''));
  }
  return pages;
}

/** Waits until the survey form's script has fetched logic.json and taken over the form. */
export function surveyScriptReady(page) {
  return page.waitForSelector('form.survey-form.js', { state: 'attached', timeout: 15000 });
}
