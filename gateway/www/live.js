// Live updates of the explorer: a subscription to the profiles' change feed (Server-Sent Events
// from GET /v1/profiles:watch) that refreshes the list of countries and editions when a profile
// is published, archived or otherwise changes, without reloading the page. The browser's
// EventSource reconnects by itself with Last-Event-ID; when it gives up (the gateway or the
// service restarting answers an error), a new subscription resumes from the last event seen.
'use strict';

(function live() {
  if (!('EventSource' in window) || typeof render !== 'function') return;
  const TYPES = ['CREATED', 'UPDATED', 'PUBLISHED', 'ARCHIVED', 'DELETED'];
  let lastId = '';
  let timer = null;
  let retry = 1000;

  // The list is public and cacheable (max-age): once it is kept live, the browser must
  // revalidate it (a 304 when unchanged) rather than show a copy from before the change.
  const plainFetch = window.fetch.bind(window);
  window.fetch = (input, init = {}) => (/^\/v1\/profiles(\?|$)/.test(String(input))
    ? plainFetch(input, { ...init, cache: 'no-cache' }) : plainFetch(input, init));

  // Several changes in a row (an import) give one refresh.
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(() => render(), 150);
  }

  function connect() {
    const query = lastId ? `?${new URLSearchParams({ resume_token: lastId })}` : '';
    const source = new EventSource(`/v1/profiles:watch${query}`);
    source.addEventListener('open', () => {
      retry = 1000;
      document.documentElement.dataset.live = 'on';
    });
    const seen = (e) => {
      if (e.lastEventId) lastId = e.lastEventId;
      refresh();
    };
    for (const type of TYPES) source.addEventListener(type, seen);
    source.addEventListener('HEARTBEAT', (e) => { if (e.lastEventId) lastId = e.lastEventId; });
    source.addEventListener('error', (e) => {
      if (e.data) {  // the stream's own final error object (e.g. the service restarting)
        try {
          if (JSON.parse(e.data).error.status === 'OUT_OF_RANGE') lastId = '';
        } catch (err) { /* not JSON */ }
      }
      if (source.readyState !== EventSource.CLOSED) return;  // the browser retries by itself
      document.documentElement.dataset.live = 'off';
      // Refused (e.g. a token past the retention window): list again, then watch from now.
      if (lastId && retry >= 8000) { lastId = ''; refresh(); }
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  connect();
})();
