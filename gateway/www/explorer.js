// Shared by the explorer's views (search, domains, profile, catalog): the page's words in
// EN/FR/ES, same-origin JSON calls, DOM helpers, and a small hash router. An ES module; no
// framework, nothing fetched from outside the gateway.

// The views' own words; the data (domain and country names, findings) comes localized from the API.
const TEXTS = {
  en: {
    tabCountries: 'Countries', tabSearch: 'Search findings', tabDomains: 'Domains', tabCatalog: 'Catalog',
    searchLabel: 'Search key findings', searchButton: 'Search', searchPlaceholder: 'e.g. trafficking, "labour migration", labo*',
    searchHelp: 'Words must all occur; "quoted words" must occur together; labo* finds every word starting with labo. Case and accents do not matter.',
    filters: 'Filters', anyDomain: 'Any domain', anyGroup: 'Both groups', anyCountry: 'Any country', anyLevel: 'National and local',
    anyYear: 'Any year', domain: 'Domain', group: 'Group', country: 'Country', level: 'Level', year: 'Publication year',
    national: 'National', local: 'Local', wellDeveloped: 'Well-developed areas', furtherDevelopment: 'Areas with potential for further development',
    results: (n) => (n === 1 ? '1 finding' : `${n} findings`), about: (n) => `about ${n} findings`, noResults: 'No finding matches.', more: 'Show more',
    loading: 'Loading…', error: 'Could not load:', edition: 'Edition', openProfile: 'Open the profile',
    inLanguage: (l) => `(in ${l}: no text in the language chosen)`, notRanking: 'Results are grouped by profile; countries are in alphabetical order. The MGI is not a ranking.',
    domainsTitle: 'Findings by domain', chooseDomain: 'Domain', domainIntro: 'Every profile\'s key findings in this domain, countries in alphabetical order.',
    noFindings: 'No finding yet.', profileTitle: 'Profile', editions: 'Editions side by side', changes: 'What changed since the previous edition',
    added: 'New', removed: 'No longer listed', kept: 'Kept', noChange: 'No change.', onlyEdition: 'This is the only edition.',
    report: 'Open the report', localUnitOf: (unit, country) => `${unit} (${country})`, catalogTitle: 'The MGI catalog',
    migof: 'Migration Governance Framework (MiGOF)', principles: 'Principles', objectives: 'Objectives', domainsHeading: 'The six domains',
    nationalDescription: 'National', localDescription: 'Local', indicators: 'Indicators', indicatorSearch: 'Search indicators',
    draft: 'draft', archived: 'archived', compareWith: 'Compared with',
  },
  fr: {
    tabCountries: 'Pays', tabSearch: 'Rechercher', tabDomains: 'Domaines', tabCatalog: 'Catalogue',
    searchLabel: 'Rechercher dans les constats', searchButton: 'Rechercher', searchPlaceholder: 'p. ex. traite, « migration de main-d’œuvre », migr*',
    searchHelp: 'Tous les mots doivent figurer ; les « mots entre guillemets » doivent se suivre ; migr* trouve chaque mot commençant par migr. Majuscules et accents sont ignorés.',
    filters: 'Filtres', anyDomain: 'Tous les domaines', anyGroup: 'Les deux groupes', anyCountry: 'Tous les pays', anyLevel: 'National et local',
    anyYear: 'Toutes les années', domain: 'Domaine', group: 'Groupe', country: 'Pays', level: 'Niveau', year: 'Année de publication',
    national: 'National', local: 'Local', wellDeveloped: 'Domaines bien développés', furtherDevelopment: 'Domaines pouvant être développés',
    results: (n) => (n <= 1 ? `${n} constat` : `${n} constats`), about: (n) => `environ ${n} constats`, noResults: 'Aucun constat ne correspond.', more: 'Afficher plus',
    loading: 'Chargement…', error: 'Chargement impossible :', edition: 'Édition', openProfile: 'Ouvrir le profil',
    inLanguage: (l) => `(en ${l} : pas de texte dans la langue choisie)`, notRanking: 'Résultats groupés par profil ; pays par ordre alphabétique. Les IGM ne sont pas un classement.',
    domainsTitle: 'Constats par domaine', chooseDomain: 'Domaine', domainIntro: 'Les constats de chaque profil dans ce domaine, pays par ordre alphabétique.',
    noFindings: 'Aucun constat pour le moment.', profileTitle: 'Profil', editions: 'Les éditions côte à côte', changes: 'Ce qui a changé depuis l’édition précédente',
    added: 'Nouveau', removed: 'Ne figure plus', kept: 'Maintenu', noChange: 'Aucun changement.', onlyEdition: 'C’est la seule édition.',
    report: 'Ouvrir le rapport', localUnitOf: (unit, country) => `${unit} (${country})`, catalogTitle: 'Le catalogue des IGM',
    migof: 'Cadre de gouvernance des migrations (MiGOF)', principles: 'Principes', objectives: 'Objectifs', domainsHeading: 'Les six domaines',
    nationalDescription: 'National', localDescription: 'Local', indicators: 'Indicateurs', indicatorSearch: 'Rechercher des indicateurs',
    draft: 'brouillon', archived: 'archivé', compareWith: 'Comparé avec',
  },
  es: {
    tabCountries: 'Países', tabSearch: 'Buscar', tabDomains: 'Ámbitos', tabCatalog: 'Catálogo',
    searchLabel: 'Buscar en los resultados clave', searchButton: 'Buscar', searchPlaceholder: 'p. ej. trata, "migración laboral", migr*',
    searchHelp: 'Deben aparecer todas las palabras; las "palabras entre comillas", seguidas; migr* encuentra toda palabra que empiece por migr. No importan mayúsculas ni tildes.',
    filters: 'Filtros', anyDomain: 'Todos los ámbitos', anyGroup: 'Ambos grupos', anyCountry: 'Todos los países', anyLevel: 'Nacional y local',
    anyYear: 'Todos los años', domain: 'Ámbito', group: 'Grupo', country: 'País', level: 'Nivel', year: 'Año de publicación',
    national: 'Nacional', local: 'Local', wellDeveloped: 'Áreas bien desarrolladas', furtherDevelopment: 'Áreas con potencial de desarrollo',
    results: (n) => (n === 1 ? '1 resultado' : `${n} resultados`), about: (n) => `unos ${n} resultados`, noResults: 'Ningún resultado coincide.', more: 'Mostrar más',
    loading: 'Cargando…', error: 'No se pudo cargar:', edition: 'Edición', openProfile: 'Abrir el perfil',
    inLanguage: (l) => `(en ${l}: sin texto en el idioma elegido)`, notRanking: 'Resultados agrupados por perfil; países por orden alfabético. Los IGM no son una clasificación.',
    domainsTitle: 'Resultados por ámbito', chooseDomain: 'Ámbito', domainIntro: 'Los resultados clave de cada perfil en este ámbito, países por orden alfabético.',
    noFindings: 'Aún no hay resultados.', profileTitle: 'Perfil', editions: 'Las ediciones lado a lado', changes: 'Qué cambió desde la edición anterior',
    added: 'Nuevo', removed: 'Ya no figura', kept: 'Se mantiene', noChange: 'Sin cambios.', onlyEdition: 'Es la única edición.',
    report: 'Abrir el informe', localUnitOf: (unit, country) => `${unit} (${country})`, catalogTitle: 'El catálogo de los IGM',
    migof: 'Marco de Gobernanza sobre la Migración (MiGOF)', principles: 'Principios', objectives: 'Objetivos', domainsHeading: 'Los seis ámbitos',
    nationalDescription: 'Nacional', localDescription: 'Local', indicators: 'Indicadores', indicatorSearch: 'Buscar indicadores',
    draft: 'borrador', archived: 'archivado', compareWith: 'Comparado con',
  },
};

export const language = () => document.getElementById('language').value;
export function t(key, ...args) {
  const value = (TEXTS[language()] || TEXTS.en)[key] ?? TEXTS.en[key];
  return typeof value === 'function' ? value(...args) : value;
}

export async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
    throw new Error(`${response.status} ${message}`);
  }
  return response.json();
}

// Every item of a paginated list (`key` names the repeated field).
export async function listAll(path, params, key, maxPages = 50) {
  const items = [];
  let token = '';
  for (let page = 0; page < maxPages; page++) {
    const query = new URLSearchParams(params);
    if (token) query.set('page_token', token);
    const body = await getJson(`${path}?${query}`);
    items.push(...(body[key] || []));
    token = body.nextPageToken || '';
    if (!token) break;
  }
  return items;
}

// el('p', {class: 'x', onclick: f}, 'text', child...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// `text` with the ranges (in code points, as the API gives them) wrapped in <mark>: text nodes
// only, never HTML from the data.
export function highlighted(text, ranges = []) {
  const points = Array.from(text || '');
  const out = [];
  let at = 0;
  for (const r of [...ranges].sort((a, b) => (a.start || 0) - (b.start || 0))) {
    const start = r.start || 0;
    const end = start + (r.length || 0);
    if (start < at) continue;
    if (start > at) out.push(points.slice(at, start).join(''));
    out.push(el('mark', {}, points.slice(start, end).join('')));
    at = end;
  }
  if (at < points.length) out.push(points.slice(at).join(''));
  return out;
}

// A name map ({"en": "...", "es": "..."}) in the reader's language, else English, else any.
export function localName(map) {
  if (!map) return '';
  return map[language()] || map.en || Object.values(map)[0] || '';
}

export const profileId = (name) => name.replace(/^profiles\//, '');

// The catalog's domains in the reader's language (cached per language).
const domainCache = new Map();
export async function domains() {
  const l = language();
  if (!domainCache.has(l)) {
    domainCache.set(l, getJson(`/v1/domains?${new URLSearchParams({ language: l })}`)
      .then((b) => b.domains || []).catch((e) => { domainCache.delete(l); throw e; }));
  }
  return domainCache.get(l);
}
export async function domainName(name, local = false) {
  const d = (await domains()).find((x) => x.name === name);
  if (!d) return name.replace(/^domains\//, '');
  return `${d.number}. ${(local && d.localDisplayName) || d.displayName}`;
}

// Country names in the reader's language (cached per language).
const countryCache = new Map();
export async function countryNames() {
  const l = language();
  if (!countryCache.has(l)) {
    countryCache.set(l, listAll('/v1/countries', { page_size: '500', language: l, order_by: 'display_name' }, 'countries')
      .then((cs) => new Map(cs.map((c, i) => [c.name, { label: c.displayName || c.name, order: i }])))
      .catch((e) => { countryCache.delete(l); throw e; }));
  }
  return countryCache.get(l);
}

// "Edition 2 (2022)", with the local unit and its country for a local profile.
export function editionLabel(p) {
  const year = p.publicationMonth && p.publicationMonth.year ? ` (${p.publicationMonth.year})` : '';
  const state = p.state === 'PROFILE_STATE_DRAFT' ? ` [${t('draft')}]` : p.state === 'PROFILE_STATE_ARCHIVED' ? ` [${t('archived')}]` : '';
  return `${t('edition')} ${p.edition || 1}${year}${state}`;
}
export function subjectLabel(p, countryLabel) {
  if (p.level === 'LEVEL_LOCAL') return t('localUnitOf', localName(p.localUnit && p.localUnit.displayName), countryLabel);
  return countryLabel;
}

// The router: "#/name/arg?k=v". Each view registers a section id and a show(arg, params) function.
const views = new Map();
let current = { name: '', arg: '', params: new URLSearchParams() };
export function register(name, sectionId, show) { views.set(name, { sectionId, show }); }
export function go(name, arg = '', params = {}) {
  const query = new URLSearchParams(params).toString();
  location.hash = `#/${name}${arg ? '/' + encodeURIComponent(arg) : ''}${query ? '?' + query : ''}`;
}
function parse() {
  const m = /^#\/([a-z]+)(?:\/([^?]*))?(?:\?(.*))?$/.exec(location.hash);
  if (!m || !views.has(m[1])) return { name: 'countries', arg: '', params: new URLSearchParams() };
  return { name: m[1], arg: decodeURIComponent(m[2] || ''), params: new URLSearchParams(m[3] || '') };
}
export async function route(focus = true) {
  current = parse();
  for (const [name, view] of views) {
    document.getElementById(view.sectionId).hidden = name !== current.name;
  }
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.dataset.view === current.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const view = views.get(current.name);
  const section = document.getElementById(view.sectionId);
  if (focus) {
    const heading = section.querySelector('h2');
    if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: false }); }
  }
  if (view.show) await view.show(current.arg, current.params);
}
export function start() {
  window.addEventListener('hashchange', () => route(true));
  document.getElementById('language').addEventListener('change', () => {
    for (const node of document.querySelectorAll('[data-x]')) node.textContent = t(node.dataset.x);
    for (const node of document.querySelectorAll('[data-x-placeholder]')) node.placeholder = t(node.dataset.xPlaceholder);
    route(false);
  });
  for (const node of document.querySelectorAll('[data-x]')) node.textContent = t(node.dataset.x);
  for (const node of document.querySelectorAll('[data-x-placeholder]')) node.placeholder = t(node.dataset.xPlaceholder);
  return route(false);
}

// A status line: loading, error, or a message.
export function status(node, key, extra = '') { node.textContent = key ? `${t(key)} ${extra}`.trim() : ''; }
