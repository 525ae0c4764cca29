// Browser test of the explorer page served by mgi-gateway, against a running suite (the real
// mgi-catalog, mgi-assessment seeded with data/profiles, mgi-report and mgi-gateway on free
// loopback ports), in headless Chromium driven by playwright-core.
// Usage: node explorer_browser_test.js <bin dir> <source dir> <artifacts dir>
'use strict';
const assert = require('assert');
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const [binDir, sourceDir, artifacts] = process.argv.slice(2).map((p) => path.resolve(p));
const { launchChromium, checker } = require(path.join(__dirname, '../support/browser.js'));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const children = [];
function start(name, flags, logDir) {
  const log = fs.openSync(path.join(logDir, `${name}.log`), 'w');
  const child = spawn(path.join(binDir, name), flags, { stdio: ['ignore', log, log] });
  children.push(child);
  return child;
}

async function waitFor(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));  // polling interval of a deadline-bound wait
  }
  throw new Error(`${what} not ready in ${timeoutMs} ms ${last || ''}`);
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgi-explorer-'));
  const [pc, pa, pr, pg] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const addr = (p) => `127.0.0.1:${p}`;
  const common = ['--host=127.0.0.1', '--metrics-port=-1'];
  start('mgi-catalog', [...common, `--port=${pc}`], tmp);
  start('mgi-assessment', [...common, `--port=${pa}`, `--catalog-addr=${addr(pc)}`,
    `--db=${path.join(tmp, 'assessment.db')}`, `--seed-dir=${path.join(sourceDir, 'data/profiles')}`], tmp);
  start('mgi-report', [...common, `--port=${pr}`, `--catalog-addr=${addr(pc)}`,
    `--assessment-addr=${addr(pa)}`], tmp);
  start('mgi-gateway', [`--port=${pg}`, '--metrics-port=-1', `--catalog-addr=${addr(pc)}`, `--assessment-addr=${addr(pa)}`,
    `--report-addr=${addr(pr)}`, '--log-level=warn'], tmp);
  const base = `http://127.0.0.1:${pg}`;
  await waitFor('gateway /readyz', async () => (await fetch(`${base}/readyz`)).status === 200, 60000);
  await waitFor('seeded profiles', async () => {
    const r = await fetch(`${base}/v1/profiles`);
    return r.ok && ((await r.json()).profiles || []).length > 0;
  }, 60000);

  const browser = await launchChromium();
  const { check, failures } = checker();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    const foreign = [];
    context.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // A Content-Security-Policy violation is reported as a console error.
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const home = await page.goto(base + '/');

    await check('the page and the report carry a Content-Security-Policy and nosniff', async () => {
      const headers = home.headers();
      assert.match(headers['content-security-policy'] || '', /default-src 'self'/);
      assert.strictEqual(headers['x-content-type-options'], 'nosniff');
      const sandbox = await page.getAttribute('#report', 'sandbox');
      assert.strictEqual(sandbox, 'allow-scripts');
    });

    await check('lists the countries that have profiles, with their names', async () => {
      await page.waitForSelector('#countries li', { timeout: 20000 });
      const names = await page.$$eval('#countries .country', (ds) => ds.map((d) => d.textContent));
      assert.ok(names.includes('Guatemala'), JSON.stringify(names));
    });

    await check('each edition opens its HTML report in the chosen language', async () => {
      const button = page.locator('li[data-country="countries/GTM"] button').first();
      await button.click();
      assert.strictEqual(await button.getAttribute('aria-pressed'), 'true');
      const src = await page.getAttribute('#report', 'src');
      assert.match(src, /^\/v1\/profiles\/[^/]+\/report\?format=html&language=en$/);
      const frame = page.frameLocator('#report');
      // The frame's first document is about:blank, with an empty body: wait for the report's text.
      await frame.locator('body', { hasText: /Guatemala/ }).waitFor({ timeout: 20000 });
      assert.strictEqual(await frame.locator('html').getAttribute('lang'), 'en');
      const report = await fetch(base + src);
      assert.match(report.headers.get('content-security-policy') || '', /^sandbox allow-scripts;/);
      // The report runs in a sandbox: its script works (the wheel), the explorer is out of reach.
      const reportFrame = page.frames().find((f) => f.url().endsWith(src));
      assert.ok(reportFrame, 'report frame');
      assert.strictEqual(await reportFrame.evaluate(() => {
        try { return parent.document ? 'same origin' : 'none'; } catch (e) { return 'isolated'; }
      }), 'isolated');
      assert.strictEqual(await reportFrame.evaluate(() => document.documentElement.className.includes('js')),
        true);
      const segments = frame.locator('.wheel .seg');
      if (await segments.count() > 0) {
        await segments.first().dispatchEvent('click');
        assert.strictEqual(await segments.first().getAttribute('aria-pressed'), 'true');
      }
      await page.screenshot({ path: path.join(artifacts, 'explorer-en.png') });
    });

    for (const language of ['fr', 'es']) {
      await check(`switching to ${language} reloads the report in ${language}`, async () => {
        await page.selectOption('#language', language);
        await page.waitForFunction((l) => document.getElementById('report').src.endsWith('language=' + l),
          language, { timeout: 20000 });
        const frame = page.frameLocator('#report');
        // The old document stays 'complete' until the new one replaces it: wait for the new one
        // (through Playwright's handle on the frame: the sandboxed report is cross-origin).
        await waitFor(`the report in ${language}`, async () => {
          const f = page.frames().find((fr) => fr.url().endsWith(`language=${language}`));
          return f && await f.evaluate((l) => document.readyState === 'complete' &&
            document.documentElement.lang === l, language);
        }, 20000);
        assert.strictEqual(await frame.locator('html').getAttribute('lang'), language);
        // The page's own words follow the selector too.
        const heading = await page.textContent('nav h2');
        assert.strictEqual(heading, language === 'fr' ? 'Pays ayant un profil' : 'Países con perfil');
        await page.screenshot({ path: path.join(artifacts, `explorer-${language}.png`) });
      });
    }

    await check('no request leaves the gateway and no script error', async () => {
      assert.deepStrictEqual(foreign, []);
      assert.deepStrictEqual(errors, []);
    });
  } finally {
    await browser.close();
    for (const c of children) c.kill('SIGTERM');
  }
  if (failures()) {
    console.log(`${failures()} check(s) failed; logs in ${tmp}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  for (const c of children) c.kill('SIGKILL');
  process.exit(1);
});
