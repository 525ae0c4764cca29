// The search view: key findings across countries and languages (SearchFindings), grouped by
// profile, matches highlighted, filterable by domain, group, country, level and year.
import { countryNames, domainName, domains, editionLabel, el, getJson, go, highlighted, language, listAll,
  profileId, register, status, subjectLabel, t } from './explorer.js';

const $ = (id) => document.getElementById(id);
const FILTERS = ['domain', 'group', 'country', 'level', 'year'];

// The choices of the filters: domains from the catalog, countries and years from the profiles.
async function fillFilters(params, stale) {
  const [ds, names, profiles] = await Promise.all([domains(), countryNames(),
    listAll('/v1/profiles', { page_size: '200', language: language() }, 'profiles')]);
  if (stale()) return;
  const options = (select, anyKey, values) => {
    select.replaceChildren(el('option', { value: '' }, t(anyKey)),
      ...values.map(([value, label]) => el('option', { value }, label)));
  };
  options($('f-domain'), 'anyDomain', ds.map((d) => [d.name.replace(/^domains\//, ''), `${d.number}. ${d.displayName}`]));
  options($('f-group'), 'anyGroup', [['WELL_DEVELOPED', t('wellDeveloped')], ['FURTHER_DEVELOPMENT', t('furtherDevelopment')]]);
  const countries = [...new Set(profiles.map((p) => p.country))]
    .map((c) => [c.replace(/^countries\//, ''), (names.get(c) || { label: c }).label, (names.get(c) || { order: 1e9 }).order])
    .sort((a, b) => a[2] - b[2]);
  options($('f-country'), 'anyCountry', countries.map(([v, l]) => [v, l]));
  options($('f-level'), 'anyLevel', [['NATIONAL', t('national')], ['LOCAL', t('local')]]);
  const years = [...new Set(profiles.map((p) => p.publicationMonth && p.publicationMonth.year).filter(Boolean))].sort();
  options($('f-year'), 'anyYear', years.map((y) => [String(y), String(y)]));
  for (const f of FILTERS) $(`f-${f}`).value = params.get(f) || '';
}

function filterOf(params) {
  const terms = [];
  if (params.get('domain')) terms.push(`domain = "${params.get('domain')}"`);
  if (params.get('group')) terms.push(`group = ${params.get('group')}`);
  if (params.get('country')) terms.push(`country = "${params.get('country')}"`);
  if (params.get('level')) terms.push(`level = ${params.get('level')}`);
  if (params.get('year')) terms.push(`publication_year = ${params.get('year')}`);
  return terms.join(' AND ');
}

// One hit: domain and group, the snippet with its matches, the language when it fell back.
async function hitItem(hit) {
  const group = hit.group === 'FINDING_GROUP_FURTHER_DEVELOPMENT' ? t('furtherDevelopment') : t('wellDeveloped');
  const snippet = hit.snippet || {};
  const text = [snippet.start ? '… ' : '', ...highlighted(snippet.text, snippet.highlights), snippet.truncatedEnd ? ' …' : ''];
  const lang = hit.languageFallback ? el('span', { class: 'fallback', lang: hit.language }, ` ${t('inLanguage', hit.language)}`) : null;
  return el('li', { class: 'hit', 'data-finding': hit.findingId },
    el('div', { class: 'meta' }, `${await domainName(hit.domain, hit.level === 'LEVEL_LOCAL')} · ${group}`),
    el('p', { lang: hit.language }, ...text), lang);
}

// Appends hits to the list, grouped by profile in the order the API gives (never re-ranked).
async function appendHits(list, hits, stale) {
  for (const hit of hits) {
    const item = await hitItem(hit);
    if (stale()) return;
    let group = list.lastElementChild;
    if (!group || group.dataset.profile !== hit.profile) {
      const subject = subjectLabel(hit, hit.countryDisplayName || hit.country);
      group = el('li', { class: 'profile-group', 'data-profile': hit.profile, 'data-country': hit.country },
        el('h3', {}, el('a', { href: `#/profile/${profileId(hit.profile)}` }, `${subject} — ${editionLabel(hit)}`)),
        el('ul', { class: 'hits' }));
      list.append(group);
    }
    group.querySelector('ul').append(item);
  }
}

let generation = 0;  // a newer show() makes the older one stop writing into the page

async function show(arg, params) {
  const mine = ++generation;
  const stale = () => mine !== generation;
  const query = params.get('q') || '';
  $('search-input').value = query;
  $('search-results').replaceChildren();
  $('search-more').hidden = true;
  try {
    await fillFilters(params, stale);
    if (stale()) return;
  } catch (e) {
    status($('search-status'), 'error', e.message);
    return;
  }
  if (!query && !FILTERS.some((f) => params.get(f))) { status($('search-status'), ''); return; }
  let token = '';
  const load = async () => {
    status($('search-status'), 'loading');
    try {
      const q = new URLSearchParams({ query, language: language(), filter: filterOf(params), page_size: '50' });
      if (token) q.set('page_token', token);
      const body = await getJson(`/v1/findings:search?${q}`);
      if (stale()) return;
      await appendHits($('search-results'), body.hits || [], stale);
      const total = body.totalSize || 0;
      const count = body.totalSizeEstimated ? t('about', total.toLocaleString(language())) : t('results', total);
      $('search-status').textContent = total ? `${count}. ${t('notRanking')}` : t('noResults');
      token = body.nextPageToken || '';
      $('search-more').hidden = !token;
    } catch (e) {
      if (!stale()) status($('search-status'), 'error', e.message);
    }
  };
  $('search-more').onclick = load;
  await load();
}

function submit(event) {
  event.preventDefault();
  const params = { q: $('search-input').value.trim() };
  for (const f of FILTERS) if ($(`f-${f}`).value) params[f] = $(`f-${f}`).value;
  go('search', '', params);
}

document.getElementById('search-form').addEventListener('submit', submit);
for (const f of FILTERS) document.getElementById(`f-${f}`).addEventListener('change', submit);
register('search', 'view-search', show);
