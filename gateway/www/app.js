// The MGI explorer: countries that have profiles, their editions, and each edition's HTML report
// in the chosen language. Plain JavaScript, same-origin calls to the gateway only.
'use strict';

const state = { profiles: [], selected: null };

// The page's own words; the data (country names, reports) comes localized from the API.
const TEXTS = {
  en: { title: 'Migration Governance Indicators', language: 'Language',
    countries: 'Countries with profiles', hint: 'Choose an edition to open its report.',
    open: 'Open the report in a new tab', edition: 'Edition', loading: 'Loading…',
    none: 'No profiles yet.', error: 'Could not load the profiles:',
    footer: 'The MGI is not a ranking: countries are listed alphabetically.' },
  fr: { title: 'Indicateurs de gouvernance des migrations', language: 'Langue',
    countries: 'Pays ayant un profil', hint: 'Choisissez une édition pour ouvrir son rapport.',
    open: 'Ouvrir le rapport dans un nouvel onglet', edition: 'Édition', loading: 'Chargement…',
    none: 'Aucun profil pour le moment.', error: 'Impossible de charger les profils :',
    footer: 'Les IGM ne sont pas un classement : les pays sont listés par ordre alphabétique.' },
  es: { title: 'Indicadores de Gobernanza de la Migración', language: 'Idioma',
    countries: 'Países con perfil', hint: 'Elija una edición para abrir su informe.',
    open: 'Abrir el informe en una pestaña nueva', edition: 'Edición', loading: 'Cargando…',
    none: 'Aún no hay perfiles.', error: 'No se pudieron cargar los perfiles:',
    footer: 'Los IGM no son una clasificación: los países se listan por orden alfabético.' },
};
const t = (key) => (TEXTS[document.getElementById('language').value] || TEXTS.en)[key];
const $ = (id) => document.getElementById(id);

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
    throw new Error(`${url}: ${response.status} ${message}`);
  }
  return response.json();
}

async function listProfiles(language) {
  const profiles = [];
  let token = '';
  do {
    const query = new URLSearchParams({ page_size: '200', language });
    if (token) query.set('page_token', token);
    const page = await getJson(`/v1/profiles?${query}`);
    profiles.push(...(page.profiles || []));
    token = page.nextPageToken || '';
  } while (token);
  return profiles;
}

// Every country, alphabetical in `language` as the catalog collates it (ICU, order_by=display_name).
async function listCountriesByName(language) {
  const countries = [];
  let token = '';
  do {
    const query = new URLSearchParams({ page_size: '500', language, order_by: 'display_name' });
    if (token) query.set('page_token', token);
    const page = await getJson(`/v1/countries?${query}`);
    countries.push(...(page.countries || []));
    token = page.nextPageToken || '';
  } while (token);
  return countries;
}

function reportUrl(profile, language) {
  const query = new URLSearchParams({ format: 'html', language });
  return `/v1/${profile.name}/report?${query}`;
}

function showReport(profile) {
  state.selected = profile.name;
  const url = reportUrl(profile, $('language').value);
  $('report').src = url;
  $('report').hidden = false;
  $('open').href = url;
  $('open').hidden = false;
  $('hint').hidden = true;
  for (const b of document.querySelectorAll('nav button')) {
    b.setAttribute('aria-pressed', String(b.dataset.profile === profile.name));
  }
}

async function render() {
  const language = $('language').value;
  document.documentElement.lang = language;
  for (const el of document.querySelectorAll('[data-text]')) el.textContent = t(el.dataset.text);
  $('status').textContent = t('loading');
  try {
    state.profiles = await listProfiles(language);
    const byCountry = new Map();
    for (const p of state.profiles) {
      if (!byCountry.has(p.country)) byCountry.set(p.country, []);
      byCountry.get(p.country).push(p);
    }
    // Alphabetical in the reader's language, in the catalog's order: the MGI is not a ranking.
    const countries = (await listCountriesByName(language))
      .filter((c) => byCountry.has(c.name))
      .map((c) => ({ name: c.name, label: c.displayName || c.name }));
    const listed = new Set(countries.map((c) => c.name));
    for (const name of [...byCountry.keys()].sort()) {
      if (!listed.has(name)) countries.push({ name, label: name });
    }
    const list = $('countries');
    list.replaceChildren();
    for (const country of countries) {
      const li = document.createElement('li');
      li.dataset.country = country.name;
      const title = document.createElement('div');
      title.className = 'country';
      title.textContent = country.label;
      li.append(title);
      const editions = byCountry.get(country.name).sort((a, b) => (a.edition || 0) - (b.edition || 0));
      for (const p of editions) {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.profile = p.name;
        const year = p.publishTime ? ` (${p.publishTime.slice(0, 4)})` : '';
        // A local profile names its unit (the country is the heading above it).
        const names = (p.localUnit && p.localUnit.displayName) || {};
        const unit = p.level === 'LEVEL_LOCAL' ? `${names[language] || names.en || Object.values(names)[0] || ''}: ` : '';
        button.textContent = `${unit}${t('edition')} ${p.edition || 1}${year}`;
        button.title = p.displayTitle || p.name;
        button.setAttribute('aria-pressed', 'false');
        button.addEventListener('click', () => showReport(p));
        li.append(button);
        // The profile view (profile.js): the editions side by side and what changed.
        const view = document.createElement('a');
        view.href = `#/profile/${p.name.replace(/^profiles\//, '')}`;
        view.className = 'profile-link';
        view.textContent = '↔';
        view.title = p.displayTitle || p.name;
        view.setAttribute('aria-label', view.title);
        li.append(view);
      }
      list.append(li);
    }
    $('status').textContent = countries.length ? '' : t('none');
    const selected = state.profiles.find((p) => p.name === state.selected);
    if (selected) showReport(selected);
  } catch (e) {
    $('status').textContent = `${t('error')} ${e.message}`;
  }
}

$('language').addEventListener('change', render);
const initial = (navigator.language || 'en').slice(0, 2);
if ([...$('language').options].some((o) => o.value === initial)) $('language').value = initial;
render();
