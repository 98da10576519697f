// The live lab, in a real browser: Debian's Chromium, headless, driven by
// playwright-core, over the built book opened as files (file://).
//
//   node book/browser/lab-test.mjs BOOK_DIR [--chromium PATH]
//
// BOOK_DIR is the built book (`cargo run -p learn-mtls-book -- build`: mdBook,
// then `bash lab/build-wasm.sh BOOK_DIR/lab/mtls-lab-wasm.js`);
// `cargo run -p learn-mtls-book -- check` runs this after check.mjs. Each case opens
// a page with a query string, waits for the lab's first run and checks
// #mtls-lab-result (the contract in lessons/lab/mtls-lab.js), and that
// the page logged no console error and threw nothing. A missing browser
// or book is a failure, never a skip. Prints the measured browser time
// per handshake. Exit 0: all passed; 1: a case failed; 2: could not run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const TIMEOUT_MS = 30000;

// The library's Display texts, as the native tests pin them
// (lab/tests/scenarios.rs compares the same runs with HandshakeError).
const SERVER_SIGNATURE = "refused: the server's signature does not verify under the pinned server key";
const LOW_ORDER = "refused: the peer's X25519 share has low order (the shared secret would be all zeros)";
const KEY_CONFIRMATION = "refused: key confirmation failed: the client's first record did not open";

const CASES = [
  { page: '11-mutual-authentication.html', query: '', starts: 'accepted alice', step: '', session: true },
  { page: '11-mutual-authentication.html', query: 'binding=lesson11', starts: 'accepted alice', step: '', session: true },
  { page: '11-mutual-authentication.html', query: 'binding=transcript&flip=m2:40', starts: SERVER_SIGNATURE, step: 'message 2 verification' },
  { page: '11-mutual-authentication.html', query: 'binding=lesson11&flip=m2:95', starts: SERVER_SIGNATURE, step: 'message 2 verification' },
  { page: '11-mutual-authentication.html', query: 'attack=low-order', starts: LOW_ORDER, step: 'message 1 check' },
  { page: '13-breaking-lesson-11.html', query: 'binding=lesson11&attack=low-order', starts: LOW_ORDER, step: 'message 1 check' },
  { page: '13-breaking-lesson-11.html', query: 'binding=lesson11&attack=misbinding', starts: 'accepted eve', step: '', session: true },
  { page: '13-breaking-lesson-11.html', query: 'binding=transcript&attack=misbinding', starts: KEY_CONFIRMATION, step: 'key confirmation' },
  { page: '13-breaking-lesson-11.html', query: 'binding=lesson11&attack=replay', starts: 'accepted alice', step: '', session: true },
  { page: '13-breaking-lesson-11.html', query: 'attack=replay', starts: "refused: the client's signature does not verify", step: 'message 3 verification' },
  { page: '13-breaking-lesson-11.html', query: 'attack=record-flip', starts: 'refused: the record failed authentication', step: 'record open' },
  { page: '13-breaking-lesson-11.html', query: '', starts: 'accepted alice', step: '', session: true },
];

function usage(message) {
  console.error(`lab-test.mjs: ${message}\nusage: node book/browser/lab-test.mjs BOOK_DIR [--chromium PATH]`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { chromium: '/usr/bin/chromium' };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--chromium') args.chromium = argv[++i];
    else rest.push(argv[i]);
  }
  if (rest.length !== 1) usage('expected exactly one BOOK_DIR');
  args.book = path.resolve(rest[0]);
  for (const file of ['11-mutual-authentication.html', '13-breaking-lesson-11.html', 'lab/mtls-lab.js', 'lab/mtls-lab-wasm.js']) {
    if (!fs.existsSync(path.join(args.book, file))) {
      usage(`${args.book} has no ${file}: run \`mdbook build\`, then \`bash lab/build-wasm.sh ${path.join(rest[0], 'lab/mtls-lab-wasm.js')}\``);
    }
  }
  if (!args.chromium || !fs.existsSync(args.chromium)) usage(`no browser at ${args.chromium} (apt-get install chromium)`);
  return args;
}

async function check(context, book, c) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed to load ${r.url()}: ${r.failure()?.errorText}`));
  const url = pathToFileURL(path.join(book, c.page)).href + (c.query ? `?${c.query}` : '');
  await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT_MS });
  await page.waitForSelector('#mtls-lab[data-state="ready"], #mtls-lab[data-state="failed"]', { timeout: TIMEOUT_MS });
  const got = await page.evaluate(() => ({
    state: document.getElementById('mtls-lab').getAttribute('data-state'),
    result: document.getElementById('mtls-lab-result')?.textContent ?? null,
    step: document.getElementById('mtls-lab-step')?.textContent ?? '',
    session: document.getElementById('mtls-lab-session')?.textContent ?? '',
    bytes: document.querySelectorAll('#mtls-lab .mtls-lab-byte').length,
    fields: Array.from(document.querySelectorAll('#mtls-lab .mtls-lab-field-name')).map((n) => n.textContent),
    fallbackHidden: document.querySelector('#mtls-lab .mtls-lab-fallback')?.hidden ?? null,
  }));
  if (got.state !== 'ready') problems.push(`the lab did not start: ${got.result}`);
  if (got.result === null || !got.result.startsWith(c.starts)) {
    problems.push(`#mtls-lab-result is ${JSON.stringify(got.result)}, expected it to begin ${JSON.stringify(c.starts)}`);
  }
  if (c.step && !got.step.includes(c.step)) problems.push(`#mtls-lab-step is ${JSON.stringify(got.step)}, expected ${c.step}`);
  if (c.session && !got.session.startsWith('session: ')) problems.push(`no session shown: ${JSON.stringify(got.session)}`);
  if (got.bytes < 32) problems.push(`the byte map shows ${got.bytes} bytes`);
  if (got.fallbackHidden !== true) problems.push('the static fallback is still shown');
  return { page, problems, got };
}

// An honest page, then a click: select byte 40 of m2, flip its low bit,
// and the result must turn to the signature refusal; then the timing.
async function clickAndTime(context, book) {
  const c = { page: '11-mutual-authentication.html', query: 'binding=lesson11', starts: 'accepted alice', session: true };
  const { page, problems, got } = await check(context, book, c);
  const fields = got.fields.join(' | ');
  for (const name of ['client_share', 'server_share', 'server_signature', 'client_signature', 'client_public_key']) {
    if (!fields.includes(name)) problems.push(`the byte map has no field ${name}: ${fields}`);
  }
  if (!fields.includes('server_signature  offset 32, 64 bytes')) problems.push(`server_signature is not at offset 32, 64 bytes: ${fields}`);
  await page.click('#mtls-lab [data-key="m2:40"]');
  await page.getByRole('button', { name: 'Flip its low bit and run' }).click();
  const clicked = await page.textContent('#mtls-lab-result');
  if (!clicked.startsWith(SERVER_SIGNATURE)) problems.push(`after clicking m2[40]: ${JSON.stringify(clicked)}`);
  const changed = await page.locator('#mtls-lab .mtls-lab-changed').count();
  if (changed !== 1) problems.push(`${changed} bytes are marked changed, not 1`);
  // Switch to the transcript binding with the radio button: same refusal.
  await page.check('#mtls-lab-binding-transcript');
  const transcript = await page.textContent('#mtls-lab-result');
  if (!transcript.startsWith(SERVER_SIGNATURE)) problems.push(`after switching to transcript: ${JSON.stringify(transcript)}`);
  // The attack menu: misbinding under transcript.
  await page.selectOption('#mtls-lab-attack', 'misbinding');
  const menu = await page.textContent('#mtls-lab-result');
  if (!menu.startsWith(KEY_CONFIRMATION)) problems.push(`misbinding from the menu: ${JSON.stringify(menu)}`);

  await page.waitForSelector('#mtls-lab[data-timing="done"]', { timeout: TIMEOUT_MS });
  const timing = await page.textContent('#mtls-lab-timing');
  const ms = Number(await page.getAttribute('#mtls-lab-timing', 'data-ms-per-handshake'));
  if (!(ms > 0) || !timing.includes(' Native: ')) problems.push(`timing: ${JSON.stringify(timing)}`);
  return { page, problems, timing };
}

// Under each of mdBook's themes, light and dark, the lab's text (a byte,
// the result) contrasts with the page's background by at least 4.5:1
// (WCAG AA), and the theme really was applied.
const THEMES = ['light', 'rust', 'coal', 'navy', 'ayu'];

async function themes(context, book) {
  const problems = [];
  for (const theme of THEMES) {
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`${theme}: console error: ${m.text()}`); });
    await page.addInitScript((t) => localStorage.setItem('mdbook-theme', t), theme);
    await page.goto(pathToFileURL(path.join(book, '11-mutual-authentication.html')).href, { waitUntil: 'load', timeout: TIMEOUT_MS });
    await page.waitForSelector('#mtls-lab[data-state="ready"]', { timeout: TIMEOUT_MS });
    const got = await page.evaluate(() => {
      const rgb = (css) => (css.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
      const luminance = ([r, g, b]) => {
        const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
      };
      const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
      // The first opaque background behind the element (the translucent
      // field colours over it are ignored); white if there is none.
      const background = (node) => {
        for (; node && node.nodeType === 1; node = node.parentNode) {
          const parts = (getComputedStyle(node).backgroundColor.match(/[\d.]+/g) || []).map(Number);
          if (parts.length === 3 || (parts.length === 4 && parts[3] === 1)) return parts.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const of = (selector) => {
        const node = document.querySelector(selector);
        return contrast(rgb(getComputedStyle(node).color), background(node));
      };
      return {
        applied: document.documentElement.classList.contains(localStorage.getItem('mdbook-theme')),
        byte: of('#mtls-lab .mtls-lab-byte'),
        result: of('#mtls-lab-result'),
      };
    });
    if (!got.applied) problems.push(`${theme}: the theme was not applied`);
    for (const what of ['byte', 'result']) {
      if (!(got[what] >= 4.5)) problems.push(`${theme}: the ${what} text contrasts ${got[what].toFixed(2)}:1 with the background`);
    }
    await page.close();
  }
  return problems;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mtls-lab-chromium-'));
  let browser;
  let failed = 0;
  try {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: args.chromium,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    for (const c of CASES) {
      const { page, problems, got } = await check(browser, args.book, c);
      await page.close();
      const name = `${c.page}${c.query ? '?' + c.query : ''}`;
      if (problems.length) {
        failed++;
        console.log(`FAIL ${name}\n  ${problems.join('\n  ')}`);
      } else {
        console.log(`ok   ${name}: ${got.result.slice(0, 90)}`);
      }
    }
    const { page, problems, timing } = await clickAndTime(browser, args.book);
    await page.close();
    if (problems.length) {
      failed++;
      console.log(`FAIL clicking a byte, the binding switch, the attack menu, the timing\n  ${problems.join('\n  ')}`);
    } else {
      console.log('ok   clicking m2[40], the binding switch, the attack menu, the timing');
    }
    const themeProblems = await themes(browser, args.book);
    if (themeProblems.length) {
      failed++;
      console.log(`FAIL themes\n  ${themeProblems.join('\n  ')}`);
    } else {
      console.log(`ok   readable under every mdBook theme (${THEMES.join(', ')})`);
    }
    console.log(`\n${timing}`);
    console.log(`(Chromium ${browser.browser()?.version() ?? ''}, headless, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'})`);
  } finally {
    if (browser) await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(failed ? `\nlab-test: ${failed} case(s) failed` : `\nlab-test: all ${CASES.length + 2} cases passed`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(`lab-test.mjs: the test could not run: ${error.stack || error}`);
  process.exit(2);
});
