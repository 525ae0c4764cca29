// Browser test of the explorer's live updates: the page (headless Chromium, playwright-core)
// subscribes to GET /v1/profiles:watch with EventSource; a profile published meanwhile (through
// the gateway, with a publisher's token) appears in the list of countries and editions without a
// reload, and disappears from it when archived. Real mgi-catalog, mgi-assessment (seeded) and
// mgi-gateway on free loopback ports.
// Usage: node explorer_live_browser_test.js <bin dir> <source dir> <artifacts dir>
'use strict';
const assert = require('assert');
const { spawn } = require('child_process');
const crypto = require('crypto');
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

// A complete national draft (six domains, one finding in each list) for `country`.
function completeDraft(country) {
  const domains = ['migrants-rights', 'whole-of-government', 'partnerships', 'well-being',
    'mobility-dimensions-of-crises', 'safe-orderly-regular-migration'];
  return {
    country, level: 'LEVEL_NATIONAL', edition: 1, languages: ['en'],
    publicationMonth: { year: 2021, month: 5 },
    domains: domains.map((d, i) => ({
      domain: `domains/${d}`,
      wellDeveloped: [{ findingId: `w${i}`, text: { en: `Well developed in ${d}.` } }],
      furtherDevelopment: [{ findingId: `f${i}`, text: { en: `Room to grow in ${d}.` } }],
    })),
  };
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mgi-explorer-live-'));
  const token = 'tok-publisher-live-8c1d';
  fs.writeFileSync(path.join(tmp, 'tokens'),
    `${crypto.createHash('sha256').update(token).digest('hex')} publisher paula\n`);
  const [pc, pa, pg] = await Promise.all([freePort(), freePort(), freePort()]);
  const addr = (p) => `127.0.0.1:${p}`;
  const common = ['--host=127.0.0.1', '--metrics-port=-1'];
  // The assessment service checks the caller's token, and forwards it to the catalog.
  start('mgi-catalog', [...common, `--port=${pc}`, `--auth-tokens-file=${path.join(tmp, 'tokens')}`], tmp);
  start('mgi-assessment', [...common, `--port=${pa}`, `--catalog-addr=${addr(pc)}`,
    `--db=${path.join(tmp, 'assessment.db')}`, `--seed-dir=${path.join(sourceDir, 'data/profiles')}`,
    `--auth-tokens-file=${path.join(tmp, 'tokens')}`], tmp);
  start('mgi-gateway', [`--port=${pg}`, '--metrics-port=-1', `--catalog-addr=${addr(pc)}`,
    `--assessment-addr=${addr(pa)}`, `--report-addr=${addr(pc)}`, '--log-level=warn'], tmp);
  const base = `http://127.0.0.1:${pg}`;
  await waitFor('seeded profiles', async () => {
    const r = await fetch(`${base}/v1/profiles`);
    return r.ok && ((await r.json()).profiles || []).length > 0;
  }, 60000);
  const api = async (method, url, body, headers = {}) => {
    const r = await fetch(base + url, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json();
    assert.ok(r.ok, `${method} ${url}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };

  const browser = await launchChromium();
  const { check, failures } = checker();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(base + '/');
    await page.waitForSelector('#countries li[data-country="countries/GTM"]', { timeout: 20000 });
    await page.waitForFunction(() => document.documentElement.dataset.live === 'on', null,
      { timeout: 20000 });
    // A mark that a reload would wipe out.
    await page.evaluate(() => { window.notReloaded = true; });

    let profile;
    await check('a draft does not appear; its publication does, without a reload', async () => {
      profile = await api('POST', '/v1/profiles?profile_id=sen-live', completeDraft('countries/SEN'));
      assert.strictEqual(await page.locator('li[data-country="countries/SEN"]').count(), 0);
      profile = await api('POST', `/v1/${profile.name}:publish`, { etag: profile.etag });
      await page.waitForSelector('li[data-country="countries/SEN"] button', { timeout: 20000 });
      const label = await page.textContent('li[data-country="countries/SEN"] .country');
      assert.strictEqual(label, 'Senegal');
      assert.strictEqual(await page.evaluate(() => window.notReloaded), true);
      await page.screenshot({ path: path.join(artifacts, 'explorer-live-published.png') });
    });

    await check('an archived profile leaves the list, still without a reload', async () => {
      await api('POST', `/v1/${profile.name}:archive`, { etag: profile.etag });
      await page.waitForFunction(
        () => !document.querySelector('li[data-country="countries/SEN"]'), null, { timeout: 20000 });
      assert.strictEqual(await page.evaluate(() => window.notReloaded), true);
      assert.ok(await page.locator('li[data-country="countries/GTM"]').count() > 0);
    });

    await check('no script error', async () => {
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
