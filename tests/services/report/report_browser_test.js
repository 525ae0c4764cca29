// Browser test of the HTML report: headless Chromium driven by playwright-core.
// Usage: node report_browser_test.js <dir with gtm-2022.en.html and hostile.en.html>
// Checks the wheel (click and keyboard), no-JS and print views, offline self-containment and
// hostile content, and keeps screenshots in <dir>.
'use strict';
const path = require('path');
const assert = require('assert');

const dir = path.resolve(process.argv[2]);
const url = (name) => 'file://' + path.join(dir, name);
const { launchChromium, checker } = require(path.join(__dirname, '../../support/browser.js'));

async function visibleDomains(page) {
  const out = [];
  for (const s of await page.$$('section.domain')) {
    if (await s.isVisible()) out.push((await s.getAttribute('id')).replace(/^domain-/, ''));
  }
  return out;
}

async function main() {
  const browser = await launchChromium();
  const { check, failures } = checker();
  try {
    const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, offline: true });
    const requests = [];
    context.on('request', (r) => { if (!r.url().startsWith('file://')) requests.push(r.url()); });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url('gtm-2022.en.html'));
    const ids = await page.$$eval('.wheel .seg', (gs) => gs.map((g) => g.getAttribute('data-domain')));

    await check('six domains, all visible before any choice', async () => {
      assert.strictEqual(ids.length, 6);
      assert.deepStrictEqual(await visibleDomains(page), ids);
    });

    await check('clicking each domain shows its findings and no other', async () => {
      for (const id of ids) {
        await page.click(`.wheel .seg[data-domain="${id}"] path`);
        assert.deepStrictEqual(await visibleDomains(page), [id], 'after clicking ' + id);
        assert.strictEqual(await page.getAttribute(`.wheel .seg[data-domain="${id}"]`, 'aria-pressed'), 'true');
        const pressed = await page.$$eval('.wheel .seg[aria-pressed="true"]', (gs) => gs.length);
        assert.strictEqual(pressed, 1);
        const items = await page.$$(`#domain-${id} li`);
        assert.ok(items.length > 0);
        for (const li of items) assert.ok(await li.isVisible());
      }
      await page.screenshot({ path: path.join(dir, 'report-wheel-click.png'), fullPage: true });
    });

    await check('keyboard: Tab reaches the segments, Enter and Space choose, focus is visible', async () => {
      await page.click('#show-all');
      assert.strictEqual((await visibleDomains(page)).length, 6);
      await page.focus('body');
      let focused = null;
      for (let i = 0; i < 20 && focused !== ids[0]; i++) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() => document.activeElement.getAttribute('data-domain'));
      }
      assert.strictEqual(focused, ids[0], 'Tab reaches the first segment');
      const stroke = await page.$eval(`.wheel .seg[data-domain="${ids[0]}"] path`,
        (p) => getComputedStyle(p).strokeWidth);
      assert.strictEqual(stroke, '4px', 'focused segment is outlined');
      await page.keyboard.press('Enter');
      assert.deepStrictEqual(await visibleDomains(page), [ids[0]]);
      await page.keyboard.press('Tab');
      assert.strictEqual(await page.evaluate(() => document.activeElement.getAttribute('data-domain')), ids[1]);
      await page.keyboard.press(' ');
      assert.deepStrictEqual(await visibleDomains(page), [ids[1]]);
      assert.strictEqual(await page.evaluate(() => window.scrollY), 0, 'Space does not scroll the page');
      await page.screenshot({ path: path.join(dir, 'report-wheel-keyboard.png') });
    });

    await check('print shows every domain', async () => {
      await page.emulateMedia({ media: 'print' });
      assert.deepStrictEqual(await visibleDomains(page), ids);
      assert.ok(!(await page.isVisible('#show-all')));
      await page.emulateMedia({ media: 'screen' });
      assert.strictEqual((await visibleDomains(page)).length, 1);
    });

    await check('offline: nothing fetched, no script errors', async () => {
      assert.deepStrictEqual(requests, []);
      assert.deepStrictEqual(errors, []);
    });

    await check('without JavaScript every finding is visible', async () => {
      const noJs = await browser.newContext({ javaScriptEnabled: false, offline: true });
      const p = await noJs.newPage();
      await p.goto(url('gtm-2022.en.html'));
      assert.deepStrictEqual(await visibleDomains(p), ids);
      assert.ok(!(await p.isVisible('#show-all')), 'no dead button without JS');
      await noJs.close();
    });

    await check('hostile content is text, never markup', async () => {
      const p = await context.newPage();
      let dialogs = 0;
      p.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
      await p.goto(url('hostile.en.html'));
      const texts = await p.$$eval('li', (lis) => lis.map((li) => li.textContent));
      assert.ok(texts.some((t) => t.startsWith('<script>alert("x")</script>')), 'script tag shown as text');
      assert.ok(texts.some((t) => t.includes('<img src=x onerror=alert(1)>')), 'img tag shown as text');
      assert.strictEqual(await p.$$eval('img', (x) => x.length), 0);
      assert.strictEqual(await p.$$eval('script', (x) => x.length), 1);
      assert.strictEqual(dialogs, 0);
      await p.screenshot({ path: path.join(dir, 'report-hostile.png'), fullPage: false });
    });
  } finally {
    await browser.close();
  }
  if (failures() > 0) {
    console.log(failures() + ' check(s) failed');
    process.exit(1);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
