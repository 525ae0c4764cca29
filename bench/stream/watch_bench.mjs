// The client side of bench/stream/run.sh: many idle SSE clients on GET /v1/profiles:watch, the
// gateway's memory (VmRSS of its pid) as they open, then write -> event delays with 1,000 watchers.
// Usage: node watch_bench.mjs <gateway port> <gateway pid> <max idle clients> <writes>
import fs from 'node:fs';
import http from 'node:http';

const [port, pid, max, writes] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

// Opens one SSE client; resolves once the head arrived. `onEvent(type, data, at)` per event.
function open(onEvent) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/profiles:watch', agent,
      headers: { Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) { res.resume(); reject(new Error(`HTTP ${res.statusCode}`)); return; }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const at = process.hrtime.bigint();
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let type = '';
          let data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (type && onEvent) onEvent(type, data, at);
        }
      });
      resolve({ close: () => req.destroy() });
    });
    req.on('error', reject);
    req.setTimeout(0);
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function post(path, body) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function idle() {
  const clients = [];
  const base = rssKiB();
  console.log(`(a) idle SSE clients: gateway RSS ${(base / 1024).toFixed(1)} MiB with none`);
  let step = 500;
  let failure = '';
  while (clients.length < max && !failure) {
    const batch = [];
    for (let i = 0; i < step && clients.length + batch.length < max; i++) batch.push(open(null));
    const settled = await Promise.allSettled(batch);
    for (const s of settled) {
      if (s.status === 'fulfilled') clients.push(s.value);
      else if (!failure) failure = String(s.reason.message || s.reason);
    }
    const rss = rssKiB();
    console.log(`    ${String(clients.length).padStart(6)} open  RSS ${(rss / 1024).toFixed(1)} MiB  ` +
      `${(((rss - base) * 1024) / Math.max(1, clients.length) / 1024).toFixed(1)} KiB/stream`);
    if (step < 2000) step *= 2;
  }
  console.log(`    held ${clients.length} idle streams${failure ? ` (stopped: ${failure})` : ` (the --max asked for)`}`);
  for (const c of clients) c.close();
  return clients.length;
}

async function latency(watchers) {
  const pending = new Map();  // profile name -> { sent, delays[] }
  const delays = [];
  const clients = [];
  for (let i = 0; i < watchers; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(watchers, i + 200); j++) {
      batch.push(open((type, data, at) => {
        if (type !== 'CREATED') return;
        const name = JSON.parse(data).name;
        const w = pending.get(name);
        if (w) { delays.push(Number(at - w.sent) / 1e6); w.seen++; }
      }));
    }
    clients.push(...await Promise.all(batch));
  }
  // Every watch is set up server-side once its head arrived (the service answered the call).
  for (let i = 0; i < writes; i++) {
    const id = `bench-${process.pid}-${i}`;
    const entry = { sent: process.hrtime.bigint(), seen: 0 };
    pending.set(`profiles/${id}`, entry);
    await post(`/v1/profiles?profile_id=${id}`, {
      country: 'countries/GTM', level: 'LEVEL_NATIONAL', edition: 1, languages: ['en'],
      publicationMonth: { year: 2024, month: 1 } });
    const deadline = Date.now() + 30000;
    while (entry.seen < watchers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }
  for (const c of clients) c.close();
  delays.sort((a, b) => a - b);
  const expected = writes * watchers;
  console.log(`(b) write -> event with ${watchers} watchers, ${writes} writes one after another: ` +
    `${delays.length}/${expected} events, p50 ${percentile(delays, 50).toFixed(1)} ms, ` +
    `p99 ${percentile(delays, 99).toFixed(1)} ms, max ${delays[delays.length - 1].toFixed(1)} ms`);
}

const held = await idle();
await new Promise((r) => setTimeout(r, 1000));  // let the gateway close the idle ones
await latency(Math.min(1000, held));
process.exit(0);
