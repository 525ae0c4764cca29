// Browser test of the explorer's views (search, domains, profile, catalog) served by mgi-gateway
// against the real suite, in headless Chromium driven by playwright-core. Besides the seeded
// Guatemala profile (edition 2, 2022) the test imports, through the API, two TEST FIXTURES made
// from it here: an "edition 1" of Guatemala with some findings changed (for the side-by-side view
// and the CompareProfiles diff) and a local profile in Spanish. Their texts are not IOM's.
// Screenshots go to the artifacts directory for review.
// Usage: node explorer_views_browser_test.js <bin dir> <source dir> <artifacts dir>
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');

const [binDir, sourceDir, artifacts] = process.argv.slice(2).map((p) => path.resolve(p));
const { launchChromium, checker } = require(path.join(__dirname, '../support/browser.js'));
const { startSuite } = require(path.join(__dirname, '../support/suite.js'));

// The fixtures, derived from the seed (see the header comment).
function fixtures() {
  const seed = JSON.parse(fs.readFileSync(path.join(sourceDir, 'data/profiles/gtm-2022.json'), 'utf8')).profiles[0];
  const first = JSON.parse(JSON.stringify(seed));
  first.name = 'profiles/gtm-fixture-e1';
  first.edition = 1;
  first.publicationMonth = { year: 2018, month: 9 };
  for (const k of ['createTime', 'updateTime', 'publishTime']) first[k] = '2018-09-01T00:00:00Z';
  // Edition 1 lacks the second trafficking finding and has one finding edition 2 dropped.
  const so = first.domains.find((d) => d.domain === 'domains/safe-orderly-regular-migration');
  so.wellDeveloped = so.wellDeveloped.filter((f) => f.findingId !== 'so-w2');
  so.furtherDevelopment.push({ findingId: 'so-f9', text: { en: 'TEST FIXTURE: a finding only the first edition listed.' } });
  const local = {
    name: 'profiles/gtm-fixture-local',
    country: 'countries/GTM',
    level: 'LEVEL_LOCAL',
    localUnit: { displayName: { es: 'Municipio de Prueba' }, kind: 'municipality' },
    edition: 1,
    publicationMonth: { year: 2021, month: 7 },
    languages: ['es'],
    state: 'PROFILE_STATE_PUBLISHED',
    createTime: '2021-07-01T00:00:00Z',
    updateTime: '2021-07-01T00:00:00Z',
    publishTime: '2021-07-01T00:00:00Z',
    domains: seed.domains.map((d, i) => ({
      domain: d.domain,
      wellDeveloped: [{ findingId: `l-w${i}`, text: { es: i === 5
        ? 'FIXTURE DE PRUEBA: la oficina municipal de migración atiende a víctimas de trata de personas.'
        : `FIXTURE DE PRUEBA: área bien desarrollada ${i + 1}.` } }],
      furtherDevelopment: [{ findingId: `l-f${i}`, text: { es: `FIXTURE DE PRUEBA: área con potencial ${i + 1}.` } }],
    })),
  };
  return { format: 'mgi.profiles/v1', profiles: [first, local] };
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const suite = await startSuite(binDir, sourceDir, { MGI_AUTH_DISABLED: 'true' });
  const { base } = suite;
  const imported = await fetch(`${base}/v1/profiles:import`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fixtures()),
  });
  assert.strictEqual(imported.status, 200, await imported.text());

  const browser = await launchChromium();
  const { check, failures } = checker();
  const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `explorer-${name}.png`), fullPage: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const foreign = [];
    context.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(base + '/');
    await page.waitForSelector('#countries li', { timeout: 20000 });

    await check('one view at a time', async () => {
      assert.strictEqual(await page.isVisible('#view-countries'), true);
      assert.strictEqual(await page.isVisible('#view-search'), false);
    });

    await check('search by keyboard: the Guatemala findings on trafficking, highlighted, grouped by profile', async () => {
      // Tab from the view tabs to "Search findings", Enter, then type in the box and press Enter.
      await page.focus('#tabs a[data-view="countries"]');
      await page.keyboard.press('Tab');
      assert.strictEqual(await page.evaluate(() => document.activeElement.dataset.view), 'search');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#view-search:not([hidden])');
      assert.strictEqual(await page.isVisible('#view-countries'), false);
      await page.focus('#search-input');
      await page.keyboard.type('trafficking');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#search-results .hit', { timeout: 20000 });
      const groups = await page.$$eval('#search-results .profile-group', (gs) => gs.map((g) => ({
        profile: g.dataset.profile, title: g.querySelector('h3').textContent,
        marks: [...g.querySelectorAll('mark')].map((m) => m.textContent.toLowerCase()),
        hits: g.querySelectorAll('.hit').length })));
      const seeded = groups.find((g) => g.profile === 'profiles/gtm-2022');
      assert.ok(seeded, JSON.stringify(groups));
      assert.strictEqual(seeded.hits, 2);
      assert.ok(seeded.marks.length >= 2 && seeded.marks.every((m) => m === 'trafficking'), JSON.stringify(seeded));
      assert.match(seeded.title, /Guatemala/);
      assert.ok(groups.every((g) => /Guatemala/.test(g.title)), JSON.stringify(groups));
      assert.match(await page.textContent('#search-status'), /finding/);
      await shot(page, 'search-en');
    });

    await check('filters narrow the results (domain, group, year)', async () => {
      await page.selectOption('#f-year', '2018');
      await page.waitForFunction(() => location.hash.includes('year=2018'));
      await page.waitForFunction(() => [...document.querySelectorAll('#search-results .profile-group')]
        .every((g) => g.dataset.profile === 'profiles/gtm-fixture-e1') &&
        document.querySelectorAll('#search-results .hit').length === 1, null, { timeout: 20000 });
      await page.selectOption('#f-year', '');
      await page.selectOption('#f-domain', 'migrants-rights');
      await page.waitForFunction(() => /0|No finding/.test(document.getElementById('search-status').textContent) &&
        document.querySelectorAll('#search-results .hit').length === 0, null, { timeout: 20000 });
      await page.selectOption('#f-domain', '');
    });

    await check('the profile view: both editions side by side and what changed', async () => {
      await page.goto(base + '/#/search?q=trafficking');
      await page.waitForSelector('#search-results .profile-group[data-profile="profiles/gtm-2022"] h3 a', { timeout: 20000 });
      await page.focus('#search-results .profile-group[data-profile="profiles/gtm-2022"] h3 a');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#profile-editions .edition', { timeout: 20000 });
      await page.waitForSelector('#profile-diff', { timeout: 20000 });
      const editions = await page.$$eval('#profile-editions .edition', (es) => es.map((e) => e.dataset.profile));
      assert.deepStrictEqual(editions, ['profiles/gtm-fixture-e1', 'profiles/gtm-2022']);
      const boxes = await page.$$eval('#profile-editions .edition', (es) => es.map((e) => e.getBoundingClientRect().top));
      assert.ok(Math.abs(boxes[0] - boxes[1]) < 2, `side by side: ${boxes}`);
      const added = await page.$$eval('#profile-diff li.added', (ls) => ls.map((l) => l.textContent));
      const removed = await page.$$eval('#profile-diff li.removed', (ls) => ls.map((l) => l.textContent));
      assert.ok(added.some((t) => /Secretariat against Sexual Violence/.test(t)), JSON.stringify(added));
      assert.ok(removed.some((t) => /only the first edition listed/.test(t)), JSON.stringify(removed));
      assert.strictEqual(await page.evaluate(() => document.activeElement.id), 'profile-heading');
      await shot(page, 'profile-en');
    });

    await check('the domain view: every finding of one domain, countries alphabetical', async () => {
      await page.goto(base + '/#/domains/safe-orderly-regular-migration');
      await page.waitForSelector('#domain-findings .country-block li[data-profile]', { timeout: 20000 });
      const profiles = await page.$$eval('#domain-findings li[data-profile]', (ls) => ls.map((l) => l.dataset.profile));
      for (const p of ['profiles/gtm-2022', 'profiles/gtm-fixture-e1', 'profiles/gtm-fixture-local']) {
        assert.ok(profiles.includes(p), `${p} in ${profiles}`);
      }
      const countries = await page.$$eval('#domain-findings .country-block h3', (hs) => hs.map((h) => h.textContent));
      assert.deepStrictEqual(countries, [...countries].sort((a, b) => a.localeCompare(b, 'en')));
      assert.strictEqual(await page.$eval('#domain-select', (s) => s.value), 'safe-orderly-regular-migration');
      await shot(page, 'domains-en');
    });

    await check('the catalog: MiGOF, the six domains with national and local descriptions, indicator search', async () => {
      await page.goto(base + '/#/catalog');
      await page.waitForSelector('#catalog-domains li[data-domain]', { timeout: 20000 });
      assert.strictEqual(await page.locator('#catalog-domains li[data-domain]').count(), 6);
      assert.strictEqual(await page.locator('#catalog-migof ol').first().locator('li').count(), 3);
      const paragraphs = await page.$$eval('#catalog-domains li[data-domain] p', (ps) => ps.map((p) => p.textContent));
      assert.strictEqual(paragraphs.length, 12);
      await page.fill('#indicator-input', 'health');
      await page.press('#indicator-input', 'Enter');
      await page.waitForFunction(() => location.hash.includes('q=health'));
      await page.waitForSelector('#indicator-list li[data-indicator]', { timeout: 20000 });
      await shot(page, 'catalog-en');
    });

    for (const [language, tab, word] of [['es', 'Buscar', 'resultado'], ['fr', 'Rechercher', 'constat']]) {
      await check(`language switch to ${language}: the page's words, and a local profile with its country`, async () => {
        await page.goto(base + '/#/search?q=trata');
        await page.selectOption('#language', language);
        await page.waitForFunction((t) => document.querySelector('#tabs a[data-view="search"]').textContent === t, tab);
        await page.waitForFunction((w) => document.getElementById('search-status').textContent.includes(w), word, { timeout: 20000 });
        const title = await page.textContent('#search-results .profile-group[data-profile="profiles/gtm-fixture-local"] h3');
        assert.match(title, /Municipio de Prueba \(Guatemala\)/);
        // migracion without its accent finds "migración".
        await page.goto(base + '/#/search?q=migracion');
        await page.waitForSelector('#search-results .profile-group[data-profile="profiles/gtm-fixture-local"] mark', { timeout: 20000 });
        assert.strictEqual(await page.textContent('#search-results .profile-group[data-profile="profiles/gtm-fixture-local"] mark'), 'migración');
        await shot(page, `search-${language}`);
      });
    }

    await check('readable at 360 px: no horizontal scrolling in any view', async () => {
      const narrow = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-US' });
      const small = await narrow.newPage();
      small.on('pageerror', (e) => errors.push(String(e)));
      small.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      for (const [view, ready] of [['search?q=trafficking', '#search-results .hit'],
        ['profile/gtm-2022', '#profile-diff'], ['domains/partnerships', '#domain-findings li'],
        ['catalog', '#catalog-domains li'], ['countries', '#countries li']]) {
        await small.goto(`${base}/#/${view}`);
        await small.waitForSelector(ready, { timeout: 20000 });
        const width = await small.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 360, `${view}: ${width} px wide`);
        await small.screenshot({ path: path.join(artifacts, `explorer-360-${view.split(/[/?]/)[0]}.png`), fullPage: true });
      }
      await narrow.close();
    });

    await check('no request leaves the gateway and no script error', async () => {
      assert.deepStrictEqual(foreign, []);
      assert.deepStrictEqual(errors, []);
    });
  } finally {
    await browser.close();
    suite.stop();
  }
  if (failures()) {
    console.log(`${failures()} check(s) failed; logs in ${suite.logs}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
