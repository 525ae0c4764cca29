// The catalog view: MiGOF's principles and objectives, the six domains with their national and
// local descriptions, and the indicators with a search (SearchIndicators).
import { domainName, domains, el, getJson, go, language, listAll, register, status, t } from './explorer.js';

const $ = (id) => document.getElementById(id);

function indicatorItem(i) {
  const level = i.level === 'LEVEL_LOCAL' ? t('local') : t('national');
  return el('li', { 'data-indicator': i.name }, el('span', { class: 'meta' }, `${i.name.replace(/^indicators\//, '')} · ${level}`), ' ', i.text || '');
}

async function show(arg, params) {
  const l = language();
  status($('catalog-status'), 'loading');
  try {
    const [framework, ds] = await Promise.all([getJson(`/v1/framework?${new URLSearchParams({ language: l })}`), domains()]);
    const elements = (items) => el('ol', {}, ...(items || []).map((m) => el('li', {}, m.statement || m.shortForm || '')));
    $('catalog-migof').replaceChildren(el('h3', {}, t('migof')),
      framework.introduction ? el('p', {}, framework.introduction) : null,
      el('h4', {}, t('principles')), elements(framework.principles),
      el('h4', {}, t('objectives')), elements(framework.objectives));
    $('catalog-domains').replaceChildren(el('h3', {}, t('domainsHeading')), el('ol', { class: 'domains' }, ...ds.map((d) =>
      el('li', { 'data-domain': d.name },
        el('h4', {}, el('a', { href: `#/domains/${d.name.replace(/^domains\//, '')}` }, d.displayName)),
        el('p', {}, el('strong', {}, `${t('nationalDescription')}: `), d.nationalDescription || ''),
        el('p', {}, el('strong', {}, `${t('localDescription')}${d.localDisplayName && d.localDisplayName !== d.displayName ? ` (${d.localDisplayName})` : ''}: `),
          d.localDescription || ''))))); 
    const query = params.get('q') || '';
    $('indicator-input').value = query;
    const list = $('indicator-list');
    list.replaceChildren();
    if (query) {
      const body = await getJson(`/v1/indicators:search?${new URLSearchParams({ query, language: l, page_size: '100' })}`);
      for (const r of body.results || []) list.append(indicatorItem(r.indicator || {}));
      if (!(body.results || []).length) list.append(el('li', {}, t('noResults')));
    } else {
      const all = await listAll('/v1/indicators', { language: l, page_size: '200' }, 'indicators', 5);
      let domain = '';
      for (const i of all) {
        if (i.domain !== domain) {
          domain = i.domain;
          list.append(el('li', { class: 'group-heading' }, el('strong', {}, await domainName(domain))));
        }
        list.append(indicatorItem(i));
      }
    }
    status($('catalog-status'), '');
  } catch (e) {
    status($('catalog-status'), 'error', e.message);
  }
}

document.getElementById('indicator-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const q = $('indicator-input').value.trim();
  go('catalog', '', q ? { q } : {});
});
register('catalog', 'view-catalog', show);
