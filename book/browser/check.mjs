// The browser check: opens every page of a built mdBook in headless
// Chromium (Debian's, driven by playwright-core), as file:// URLs, and
// reports each problem on a line of its own, `PAGE: what is wrong`.
//
//   node book/browser/check.mjs --book target/book \
//     --screenshots target/book-screenshots \
//     --terms book/browser/search-terms.json [--chromium /usr/bin/chromium]
//
// `cargo run -p learn-mtls-book -- check` builds the book and runs this.
// On every page (each *.html file under --book, mdBook's own print, toc
// and 404 pages included):
//   - no console error, no uncaught exception, no failed request, and no
//     request that leaves the book (anything but file:, data:, blob:);
//   - every <img> loads (naturalWidth > 0) and every <script src> names a
//     file of the book that loaded: the figures and the live lab's scripts
//     are covered because every img and script element is;
//   - every link into the book resolves: the file exists inside the book,
//     and for `#anchor` an element with that id exists in the target page;
//   - every `pre code` block with a language has mdBook's highlight.js
//     classes (`hljs`, and token spans when highlight.js knows the
//     language and the block is not plain text);
// and, once per chapter page, the search box, given that page's term from
// --terms, lists that page among its results. A screenshot of each page
// goes to --screenshots (emptied first). Exit status: 0 when no problem
// was found, 1 when any was, 2 when the check itself could not run.
// BOOK_CHECK_TIMES=1 in the environment prints each page's time to
// standard error.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

// The flags the closed network needs: without the background-networking
// ones Chromium keeps trying to reach its servers, and those connections
// are refused.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Pages mdBook writes besides the chapters; they need no search term.
const GENERATED_PAGES = new Set(['index.html', 'print.html', 'toc.html', '404.html']);

// Languages highlight.js shows as they are, with no token spans.
const PLAIN_LANGUAGES = new Set(['text', 'txt', 'plaintext']);

const PAGE_TIMEOUT_MS = 20000;
const VIEWPORT = { width: 1280, height: 900 };
const SCREENSHOT_MAX_HEIGHT = 16000;
const SEARCH_TIMEOUT_MS = 10000;

function usage(message) {
  console.error(`check.mjs: ${message}`);
  console.error('usage: node check.mjs --book DIR --screenshots DIR --terms FILE [--chromium PATH]');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) usage(`${flag} needs a value`);
    if (flag === '--book') args.book = path.resolve(value);
    else if (flag === '--screenshots') args.screenshots = path.resolve(value);
    else if (flag === '--terms') args.terms = path.resolve(value);
    else if (flag === '--chromium') args.chromium = value;
    else usage(`unknown argument ${flag}`);
  }
  for (const name of ['book', 'screenshots', 'terms']) {
    if (!args[name]) usage(`--${name} is required`);
  }
  return args;
}

// Every .html file under dir, as paths relative to it with `/`, sorted.
function htmlPages(dir) {
  const pages = [];
  const walk = (sub) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.html')) pages.push(rel);
    }
  };
  walk('');
  return pages.sort();
}

// The problems found, by page, each reported once.
class Report {
  constructor() {
    this.byPage = new Map();
    // What was looked at, for the closing line: a check that looked at
    // nothing would pass for the wrong reason.
    this.seen = { links: 0, anchors: 0, images: 0, scripts: 0, code: 0, searches: 0 };
  }
  add(page, what) {
    if (!this.byPage.has(page)) this.byPage.set(page, new Set());
    // One line per problem: a multi-line message (a stack trace) is joined.
    this.byPage.get(page).add(what.replace(/\s*\n\s*/g, ' | '));
  }
  get count() {
    let n = 0;
    for (const set of this.byPage.values()) n += set.size;
    return n;
  }
  print() {
    for (const page of [...this.byPage.keys()].sort()) {
      for (const what of this.byPage.get(page)) console.log(`${page}: ${what}`);
    }
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  return run(args).catch((error) => {
    console.error(`check.mjs: the check could not run: ${error.stack || error}`);
    process.exit(2);
  });
}

async function run(args) {
  const started = Date.now();
  if (!fs.existsSync(path.join(args.book, 'index.html'))) {
    usage(`${args.book} has no index.html: build the book first`);
  }
  if (!fs.existsSync(args.chromium)) usage(`no browser at ${args.chromium}`);
  let terms;
  try {
    terms = JSON.parse(fs.readFileSync(args.terms, 'utf8'));
  } catch (error) {
    usage(`cannot read the search terms ${args.terms}: ${error.message}`);
  }
  const termsName = path.basename(args.terms);
  fs.rmSync(args.screenshots, { recursive: true, force: true });
  fs.mkdirSync(args.screenshots, { recursive: true });

  const pages = htmlPages(args.book);
  const report = new Report();
  const bookRoot = args.book + path.sep;
  // The page (relative path) a file: URL points at, or null outside the book.
  const relOf = (fileUrl) => {
    const file = fileURLToPath(fileUrl);
    return file.startsWith(bookRoot) ? file.slice(bookRoot.length).split(path.sep).join('/') : null;
  };

  // A fresh profile for every run, removed afterwards (also when the
  // browser does not start).
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'learn-mtls-book-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: args.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: VIEWPORT,
    });
    // Nothing on a page may come from outside the book: refuse it at once
    // (rather than wait on a network that is not there) and report it.
    await context.route(/^(https?|wss?|ftp):/, (route) => route.abort('blockedbyclient'));

    const visited = new Map(); // page -> { ids, links }
    for (const rel of pages) {
      const t0 = Date.now();
      visited.set(rel, await checkPage(context, args, rel, report, relOf));
      if (process.env.BOOK_CHECK_TIMES) console.error(`${rel}: ${Date.now() - t0} ms`);
    }
    const t1 = Date.now();
    checkLinks(args.book, visited, report, relOf);
    await checkSearch(context, args, pages, terms, termsName, report);
    if (process.env.BOOK_CHECK_TIMES) console.error(`links + search: ${Date.now() - t1} ms`);
  } finally {
    if (context) await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }

  report.print();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const count = report.count;
  const seen = report.seen;
  console.log(`book check: ${pages.length} pages, ${seen.links} links into the book (${seen.anchors} with an anchor), `
    + `${seen.images} images, ${seen.scripts} scripts, ${seen.code} code blocks with a language, `
    + `${seen.searches} searches; ${count} problem(s), ${seconds} s; screenshots in ${args.screenshots}`);
  process.exit(count === 0 ? 0 : 1);
}

// Opens one page, records what went wrong while it loaded, and returns
// the ids it defines and the links it holds (checked once every page's
// ids are known).
async function checkPage(context, args, rel, report, relOf) {
  const page = await context.newPage();
  const url = pathToFileURL(path.join(args.book, rel)).href;
  const shown = (u) => {
    if (u.startsWith('file:')) return relOf(u.split(/[?#]/)[0]) ?? fileURLToPath(u.split(/[?#]/)[0]);
    return u.length > 120 ? `${u.slice(0, 117)}...` : u;
  };
  // Chromium also logs each failed request as a console error, "Failed to
  // load resource"; the request is reported once, with its URL, below.
  const failedUrls = new Set();
  const consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    consoleErrors.push({ text: message.text(), at: message.location() });
  });
  page.on('pageerror', (error) => report.add(rel, `uncaught exception: ${error.message}`));
  page.on('requestfailed', (request) => {
    const u = request.url();
    const why = request.failure()?.errorText ?? 'failed';
    failedUrls.add(u);
    if (why === 'net::ERR_BLOCKED_BY_CLIENT' || !/^(file|data|blob):/.test(u)) {
      report.add(rel, `request leaves the book: ${shown(u)} (${request.resourceType()})`);
    } else {
      report.add(rel, `request failed: ${shown(u)} (${request.resourceType()}, ${why})`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      failedUrls.add(response.url());
      report.add(rel, `request failed: ${shown(response.url())} (HTTP ${response.status()})`);
    }
  });

  try {
    await page.goto(url, { waitUntil: 'load', timeout: PAGE_TIMEOUT_MS });
    // Scripts may add scripts and images after `load` (the live lab loads
    // its wasm that way): wait until nothing more is requested.
    await page.waitForLoadState('networkidle', { timeout: PAGE_TIMEOUT_MS });
  } catch (error) {
    report.add(rel, `did not finish loading: ${error.message.split('\n')[0]}`);
  }

  const found = await page.evaluate(async (plain) => {
    // Images: load every one now, lazy or not, and wait for each to settle.
    const images = [...document.images];
    for (const img of images) img.loading = 'eager';
    await Promise.all(images.map((img) => (img.complete ? null : new Promise((done) => {
      img.addEventListener('load', done, { once: true });
      img.addEventListener('error', done, { once: true });
      setTimeout(done, 10000);
    }))));
    const hljsKnows = (lang) => typeof hljs !== 'undefined' && !!hljs.getLanguage(lang);
    return {
      ids: [...document.querySelectorAll('[id]')].map((e) => e.id)
        .concat([...document.querySelectorAll('a[name]')].map((e) => e.getAttribute('name'))),
      links: [...document.querySelectorAll('a[href]')].map((a) => ({
        href: a.getAttribute('href'),
        url: a.href,
        text: a.textContent.trim().replace(/\s+/g, ' ').slice(0, 60),
      })),
      images: images.map((img) => ({
        src: img.getAttribute('src'),
        url: img.currentSrc || img.src,
        width: img.naturalWidth,
      })),
      scripts: [...document.scripts].filter((s) => s.src).map((s) => ({
        src: s.getAttribute('src'),
        url: s.src,
      })),
      code: [...document.querySelectorAll('pre code')].map((c) => {
        const lang = (c.className.match(/(?:^|\s)language-([^\s]+)/) || [])[1] ?? null;
        return {
          lang,
          known: lang === null ? null : hljsKnows(lang),
          hljs: c.classList.contains('hljs'),
          tokens: c.querySelectorAll('[class^="hljs-"], [class*=" hljs-"]').length,
          plain: lang !== null && plain.includes(lang),
          start: c.textContent.trim().split('\n')[0].slice(0, 50),
        };
      }),
    };
  }, [...PLAIN_LANGUAGES]);

  for (const { text, at } of consoleErrors) {
    if (text.startsWith('Failed to load resource') && at && failedUrls.has(at.url)) continue;
    const where = at && at.url ? ` (at ${shown(at.url)}:${at.lineNumber + 1})` : '';
    report.add(rel, `console error: ${text}${where}`);
  }
  report.seen.images += found.images.length;
  report.seen.scripts += found.scripts.length;
  report.seen.code += found.code.filter((block) => block.lang !== null).length;
  for (const img of found.images) {
    if (img.width === 0) {
      report.add(rel, `image does not load: ${img.src} (${shown(img.url)}, naturalWidth 0)`);
    }
  }
  for (const script of found.scripts) {
    if (!script.url.startsWith('file:')) {
      report.add(rel, `script from outside the book: ${script.src}`);
    } else {
      const file = fileURLToPath(script.url.split(/[?#]/)[0]);
      if (relOf(script.url.split(/[?#]/)[0]) === null) {
        report.add(rel, `script outside the book: ${script.src} (${file})`);
      } else if (!fs.existsSync(file)) {
        report.add(rel, `script does not exist: ${script.src} (${shown(script.url)})`);
      }
    }
  }
  for (const block of found.code) {
    if (block.lang === null) continue;
    const what = `\`\`\`${block.lang} block starting "${block.start}"`;
    if (!block.hljs) {
      report.add(rel, `code block not highlighted (no hljs class): ${what}`);
    } else if (!block.known) {
      report.add(rel, `code block in a language the book's highlight.js does not know: ${what}`);
    } else if (!block.plain && block.tokens === 0) {
      report.add(rel, `code block has no highlighted token: ${what}`);
    }
  }

  // The whole page, down to SCREENSHOT_MAX_HEIGHT (the print page, the
  // whole book on one page, would be a picture 100,000 pixels tall).
  const shot = path.join(args.screenshots, rel.replace(/\.html$/, '.png'));
  fs.mkdirSync(path.dirname(shot), { recursive: true });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({
    path: shot,
    fullPage: true,
    clip: { x: 0, y: 0, width: VIEWPORT.width, height: Math.min(height, SCREENSHOT_MAX_HEIGHT) },
  });
  await page.close();
  return { ids: new Set(found.ids), links: found.links };
}

// Every link from every page that points into the book must reach a file
// of the book, and its #anchor an element of the target page.
function checkLinks(bookDir, visited, report, relOf) {
  for (const [rel, { links }] of visited) {
    for (const link of links) {
      const url = new URL(link.url);
      if (url.protocol !== 'file:') continue; // http(s), mailto: not ours to check
      report.seen.links += 1;
      const said = `link "${link.text}" (href="${link.href}")`;
      const target = new URL(url.href);
      target.hash = '';
      target.search = '';
      const targetRel = relOf(target.href);
      if (targetRel === null) {
        report.add(rel, `${said} leads outside the book, to ${fileURLToPath(target.href)}`);
        continue;
      }
      const file = path.join(bookDir, targetRel);
      if (!fs.existsSync(file)) {
        report.add(rel, `${said}: ${targetRel} does not exist in the book`);
        continue;
      }
      if (fs.statSync(file).isDirectory()) {
        report.add(rel, `${said}: ${targetRel || '.'} is a directory, not a page`);
        continue;
      }
      const anchor = decodeURIComponent(url.hash.slice(1));
      if (anchor === '') continue;
      report.seen.anchors += 1;
      const page = visited.get(targetRel);
      if (!page) {
        report.add(rel, `${said}: #${anchor} points into ${targetRel}, which is not a page`);
      } else if (!page.ids.has(anchor)) {
        report.add(rel, `${said}: ${targetRel} has no element with id "${anchor}"`);
      }
    }
  }
}

// The search box, on the first page, given each chapter's term, must list
// that chapter among its results.
async function checkSearch(context, args, pages, terms, termsName, report) {
  const chapters = pages.filter((rel) => !GENERATED_PAGES.has(rel));
  for (const rel of chapters) {
    if (typeof terms[rel] !== 'string' || terms[rel].trim() === '') {
      report.add(rel, `no search term for this page in ${termsName}`);
    }
  }
  for (const rel of Object.keys(terms)) {
    if (!chapters.includes(rel)) report.add(rel, `${termsName} names a page the book does not have`);
  }
  const page = await context.newPage();
  page.on('pageerror', (error) => report.add('index.html', `uncaught exception while searching: ${error.message}`));
  await page.goto(pathToFileURL(path.join(args.book, 'index.html')).href, { waitUntil: 'load' });
  const toggle = page.locator('#mdbook-search-toggle');
  const bar = page.locator('#mdbook-searchbar');
  if ((await toggle.count()) === 0 || (await bar.count()) === 0) {
    report.add('index.html', 'no search box (#mdbook-search-toggle, #mdbook-searchbar): is search enabled?');
    await page.close();
    return;
  }
  for (const rel of chapters) {
    const term = terms[rel];
    if (typeof term !== 'string' || term.trim() === '') continue;
    if (!(await bar.isVisible())) await toggle.click();
    await bar.fill(term);
    // mdBook searches on keyup.
    await bar.press('End');
    let listed;
    report.seen.searches += 1;
    try {
      await page.waitForFunction(
        (t) => (document.getElementById('mdbook-searchresults-header')?.textContent ?? '').includes(t),
        term,
        { timeout: SEARCH_TIMEOUT_MS },
      );
      listed = await page.$$eval('#mdbook-searchresults a[href]', (as) => as.map((a) => a.href));
    } catch (error) {
      report.add(rel, `search for "${term}" showed no results header: ${error.message.split('\n')[0]}`);
      continue;
    }
    const pagesListed = [...new Set(listed.map((u) => (u.startsWith('file:')
      ? path.relative(args.book, fileURLToPath(u.split(/[?#]/)[0])).split(path.sep).join('/')
      : u)))];
    if (!pagesListed.includes(rel)) {
      const shownList = pagesListed.length ? pagesListed.join(', ') : 'nothing';
      report.add(rel, `search for "${term}" (from ${termsName}) does not list this page; it lists ${shownList}`);
    }
  }
  await page.close();
}

main();
