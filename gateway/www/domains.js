// The domain view: every profile's key findings in one domain, countries in alphabetical order
// (SearchFindings with an empty query and a domain filter; the MGI is not a ranking).
import { domains, editionLabel, el, getJson, go, language, profileId, register, status, subjectLabel, t } from './explorer.js';

const $ = (id) => document.getElementById(id);

let generation = 0;  // a newer show() makes the older one stop writing into the page

async function show(arg) {
  const mine = ++generation;
  const ds = await domains().catch((e) => { status($('domain-status'), 'error', e.message); return []; });
  if (!ds.length || mine !== generation) return;
  const chosen = ds.find((d) => d.name === `domains/${arg}`) || ds[0];
  const select = $('domain-select');
  select.replaceChildren(...ds.map((d) => el('option', { value: d.name.replace(/^domains\//, '') }, `${d.number}. ${d.displayName}`)));
  select.value = chosen.name.replace(/^domains\//, '');
  $('domain-description').textContent = chosen.nationalDescription || '';
  const list = $('domain-findings');
  list.replaceChildren();
  status($('domain-status'), 'loading');
  try {
    let token = '';
    const hits = [];
    do {
      const q = new URLSearchParams({ query: '', language: language(), filter: `domain = "${select.value}"`, page_size: '100' });
      if (token) q.set('page_token', token);
      const body = await getJson(`/v1/findings:search?${q}`);
      if (mine !== generation) return;
      hits.push(...(body.hits || []));
      token = body.nextPageToken || '';
    } while (token && hits.length < 2000);
    // Country, then profile, then the two groups, in the order the API gives them.
    let country = null;
    let profile = null;
    for (const hit of hits) {
      if (!country || country.dataset.country !== hit.country) {
        country = el('li', { class: 'country-block', 'data-country': hit.country },
          el('h3', {}, hit.countryDisplayName || hit.country), el('ul', { class: 'profiles' }));
        list.append(country);
        profile = null;
      }
      if (!profile || profile.dataset.profile !== hit.profile) {
        profile = el('li', { 'data-profile': hit.profile },
          el('h4', {}, el('a', { href: `#/profile/${profileId(hit.profile)}` },
            `${subjectLabel(hit, hit.countryDisplayName || hit.country)} — ${editionLabel(hit)}`)));
        country.querySelector('ul').append(profile);
      }
      const groupKey = hit.group === 'FINDING_GROUP_FURTHER_DEVELOPMENT' ? 'furtherDevelopment' : 'wellDeveloped';
      let group = profile.querySelector(`ul[data-group="${groupKey}"]`);
      if (!group) {
        profile.append(el('h5', {}, t(groupKey)));
        group = el('ul', { 'data-group': groupKey });
        profile.append(group);
      }
      group.append(el('li', { lang: hit.language }, hit.text,
        hit.languageFallback ? el('span', { class: 'fallback' }, ` ${t('inLanguage', hit.language)}`) : null));
    }
    $('domain-status').textContent = hits.length ? t('notRanking') : t('noFindings');
  } catch (e) {
    status($('domain-status'), 'error', e.message);
  }
}

document.getElementById('domain-select').addEventListener('change', (e) => go('domains', e.target.value));
register('domains', 'view-domains', show);
