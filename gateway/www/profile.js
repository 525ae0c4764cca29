// The profile view: every edition of one subject (a country, or a local unit) side by side, and
// the structured diff of the newest edition against the one before (CompareProfiles).
import { countryNames, domainName, editionLabel, el, getJson, language, listAll, profileId, register, status,
  subjectLabel, t } from './explorer.js';

const $ = (id) => document.getElementById(id);
const unitKey = (p) => (p.level === 'LEVEL_LOCAL' ? JSON.stringify(p.localUnit && p.localUnit.displayName || {}) : '');

function findingList(findings, cls) {
  return el('ul', { class: cls }, ...(findings || []).map((f) => el('li', { lang: f.displayLanguage || null }, f.displayText || '')));
}

async function editionColumn(p) {
  const column = el('article', { class: 'edition', 'data-profile': p.name },
    el('h3', {}, editionLabel(p)), el('p', { class: 'title' }, p.displayTitle || ''),
    el('p', {}, el('a', { href: `/v1/${p.name}/report?${new URLSearchParams({ format: 'html', language: language() })}`,
      target: '_blank', rel: 'noopener' }, t('report'))));
  for (const d of p.domains || []) {
    column.append(el('h4', {}, await domainName(d.domain, p.level === 'LEVEL_LOCAL')),
      el('h5', {}, t('wellDeveloped')), findingList(d.wellDeveloped),
      el('h5', {}, t('furtherDevelopment')), findingList(d.furtherDevelopment));
  }
  return column;
}

async function diffBlock(newer, older) {
  const q = new URLSearchParams({ other: older.name, language: language() });
  const diff = await getJson(`/v1/${newer.name}:compare?${q}`);
  const block = el('div', { id: 'profile-diff' });
  let any = false;
  for (const d of diff.domains || []) {
    const rows = [];
    for (const [groupKey, changes] of [['wellDeveloped', d.wellDeveloped], ['furtherDevelopment', d.furtherDevelopment]]) {
      const items = [];
      for (const [kind, findings] of [['added', changes && changes.added], ['removed', changes && changes.removed]]) {
        for (const f of findings || []) {
          items.push(el('li', { class: kind }, el('span', { class: 'badge' }, t(kind)), ' ', f.displayText || ''));
        }
      }
      const kept = (changes && changes.kept || []).length;
      if (items.length || kept) rows.push(el('h5', {}, t(groupKey)), el('ul', {}, ...items), kept ? el('p', { class: 'kept' }, `${t('kept')}: ${kept}`) : null);
      if (items.length) any = true;
    }
    if (rows.length) block.append(el('h4', {}, await domainName(d.domain, newer.level === 'LEVEL_LOCAL')), ...rows);
  }
  if (!any) block.append(el('p', {}, t('noChange')));
  return block;
}

let generation = 0;  // a newer show() makes the older one stop writing into the page

async function show(arg) {
  const mine = ++generation;
  const stale = () => mine !== generation;
  const heading = $('profile-heading');
  const columns = $('profile-editions');
  const changes = $('profile-changes');
  columns.replaceChildren();
  changes.replaceChildren();
  status($('profile-status'), 'loading');
  try {
    const l = language();
    const profile = await getJson(`/v1/profiles/${encodeURIComponent(arg)}?${new URLSearchParams({ language: l })}`);
    const names = await countryNames();
    const countryLabel = (names.get(profile.country) || { label: profile.country }).label;
    const filter = `country = "${profile.country.replace(/^countries\//, '')}" AND level = ${profile.level.replace(/^LEVEL_/, '')}`;
    const siblings = (await listAll('/v1/profiles', { filter, language: l, page_size: '200' }, 'profiles'))
      .filter((p) => unitKey(p) === unitKey(profile))
      .sort((a, b) => (a.edition || 1) - (b.edition || 1));
    const editions = siblings.length ? siblings : [profile];
    const built = [];
    for (const p of editions) built.push(await editionColumn(p));
    if (stale()) return;
    heading.textContent = subjectLabel(profile, countryLabel);
    columns.replaceChildren(...built);
    const index = editions.findIndex((p) => p.name === profile.name);
    const newer = editions[Math.max(index, 1)] || profile;
    const older = editions[editions.indexOf(newer) - 1];
    const diff = older
      ? [el('p', {}, `${editionLabel(newer)} — ${t('compareWith')} ${editionLabel(older)}`), await diffBlock(newer, older)]
      : [el('p', {}, t('onlyEdition'))];
    if (stale()) return;
    changes.replaceChildren(el('h3', {}, t('changes')), ...diff);
    status($('profile-status'), '');
  } catch (e) {
    if (!stale()) status($('profile-status'), 'error', e.message);
  }
}

register('profile', 'view-profile', show);
export { profileId };
