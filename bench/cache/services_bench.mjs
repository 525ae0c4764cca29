// The end-to-end cache benchmark: a published profile (GetProfile) and a rendered report
// (GetReport, PDF by default) through the real services, with the cache cold and warm, printed as
// ratios measured in the same run.
// Starts redis-server (no persistence, loopback), mgi-catalog, two mgi-assessment on one SQLite
// file (seeded with data/profiles; one without, one with MGI_REDIS_ADDR) and two mgi-report (one
// without, one with MGI_REDIS_ADDR) on free loopback ports. Rows per call:
//   no cache     the service without Redis: the source of truth every time;
//   Redis cold   with Redis, FLUSHALL before each call: a miss, the source, then the Set;
//   Redis warm   with Redis holding the entry: a hit.
//
//   node bench/cache/services_bench.mjs [--bin-dir=build/release/bin] [--iterations=20]
//        [--format=pdf] [--language=en] [--profile=profiles/gtm-2022]
//
// Needs the npm tools in tools/node (./mgi test installs them).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'tools/node/package.json'));
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, ...v] = a.replace(/^--/, '').split('=');
  return [k, v.join('=')];
}));
const binDir = path.resolve(root, args['bin-dir'] ?? 'build/release/bin');
const iterations = Number(args.iterations ?? 20);
const format = args.format ?? 'pdf';
const language = args.language ?? 'en';
const profile = args.profile ?? 'profiles/gtm-2022';
const googleapis = path.join(binDir, '..', 'third_party', 'googleapis');

const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(binary, argv, env = {}) {
  const child = spawn(binary, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  child.on('exit', (code) => { if (code) console.error(`${path.basename(binary)} exited ${code}:\n${log}`); });
  children.push(child);
  return child;
}

const packageOf = (file, dirs) => grpc.loadPackageDefinition(
  loader.loadSync(file, { includeDirs: dirs, keepCase: true, longs: String, enums: String, defaults: true }));
const health = packageOf('grpc/health/v1/health.proto', ['/usr/share/grpc-proto']).grpc.health.v1;
const assessment = packageOf('mgi/assessment/v1/assessment_service.proto',
  [path.join(root, 'protos'), googleapis]).mgi.assessment.v1;
const report = packageOf('mgi/report/v1/report_service.proto',
  [path.join(root, 'protos'), googleapis]).mgi.report.v1;

async function waitServing(port, timeoutMs = 30000) {
  const client = new health.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => client.Check({ service: '' },
      { deadline: Date.now() + 1000 }, (err, res) => resolve(!err && res.status === 'SERVING')));
    if (ok) return client.close();
    await new Promise((r) => setTimeout(r, 50));  // polling with a deadline
  }
  throw new Error(`port ${port} not SERVING after ${timeoutMs} ms`);
}

async function service(name, extra, env = {}) {
  const port = await freePort();
  start(path.join(binDir, name), [`--port=${port}`, '--metrics-port=-1', ...extra], env);
  await waitServing(port);
  return port;
}

function timed(call) {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => call((err, res) => (err ? reject(err)
    : resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, res }))));
}
const getReport = (client) => timed((cb) => client.GetReport(
  { name: `${profile}/report`, format, language }, { deadline: Date.now() + 60000 }, cb));
const getProfile = (client) => timed((cb) => client.GetProfile(
  { name: profile, language }, { deadline: Date.now() + 60000 }, cb));

// One inline command to redis (FLUSHALL), answered before the next call starts.
function redisCommand(port, command) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(port, '127.0.0.1', () => sock.write(`${command}\r\n`));
    sock.once('data', (d) => { sock.end(); resolve(String(d).trim()); });
    sock.once('error', reject);
  });
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p90: at(0.9), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const redisPort = await freePort();
start('/usr/bin/redis-server', ['--port', `${redisPort}`, '--bind', '127.0.0.1', '--save', '',
  '--appendonly', 'no', '--maxmemory', '256mb', '--maxmemory-policy', 'allkeys-lru']);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mgi-cache-bench-'));
writeFileSync(path.join(tmp, 'cache-hmac-key'), 'services-bench-key-0123456789abcdef0123456789\n');
const redisEnv = { MGI_REDIS_ADDR: `127.0.0.1:${redisPort}`,
  MGI_CACHE_HMAC_KEY_FILE: path.join(tmp, 'cache-hmac-key') };
const dev = { MGI_AUTH_DISABLED: 'true' };
const catalogPort = await service('mgi-catalog', [], dev);
const peers = { ...dev, MGI_CATALOG_ADDR: `127.0.0.1:${catalogPort}` };
const db = [`--db=${tmp}/assessment.db`];
const assessmentPort = await service('mgi-assessment',
  [...db, `--seed-dir=${path.join(root, 'data/profiles')}`], peers);
const assessmentCachedPort = await service('mgi-assessment', db, { ...peers, ...redisEnv });
Object.assign(peers, { MGI_ASSESSMENT_ADDR: `127.0.0.1:${assessmentPort}` });
const reportPort = await service('mgi-report', [], peers);
const reportCachedPort = await service('mgi-report', [], { ...peers, ...redisEnv });

const addr = (port) => `127.0.0.1:${port}`;
const insecure = grpc.credentials.createInsecure();
const cases = [
  { rpc: `GetProfile ${profile} language=${language}`, call: getProfile,
    plain: new assessment.AssessmentService(addr(assessmentPort), insecure),
    cached: new assessment.AssessmentService(addr(assessmentCachedPort), insecure) },
  { rpc: `GetReport ${profile}/report format=${format} language=${language}`, call: getReport,
    plain: new report.ReportService(addr(reportPort), insecure),
    cached: new report.ReportService(addr(reportCachedPort), insecure) },
];
console.log(`${iterations} calls per row, interleaved; ${os.cpus().length} CPUs, load average ` +
  `${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
console.log('| call | case | p50 ms | p90 ms | mean ms |');
console.log('|---|---|---|---|---|');
const ratios = [];
for (const c of cases) {
  await c.call(c.plain);  // warm the processes (connections, catalog answers)
  await c.call(c.cached);
  const rows = { 'no cache': [], 'Redis cold (miss + set)': [], 'Redis warm (hit)': [] };
  for (let i = 0; i < iterations; i++) {
    rows['no cache'].push((await c.call(c.plain)).ms);
    if ((await redisCommand(redisPort, 'FLUSHALL')) !== '+OK') throw new Error('FLUSHALL failed');
    rows['Redis cold (miss + set)'].push((await c.call(c.cached)).ms);
    rows['Redis warm (hit)'].push((await c.call(c.cached)).ms);
  }
  const s = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, stats(v)]));
  for (const [name, st] of Object.entries(s)) {
    console.log(`| ${c.rpc} | ${name} | ${st.p50.toFixed(2)} | ${st.p90.toFixed(2)} | ` +
      `${st.mean.toFixed(2)} |`);
  }
  ratios.push(`${c.rpc}: cold/warm p50 ${(s['Redis cold (miss + set)'].p50 / s['Redis warm (hit)'].p50).toFixed(2)}x, ` +
    `no-cache/warm p50 ${(s['no cache'].p50 / s['Redis warm (hit)'].p50).toFixed(2)}x, ` +
    `mean ${(s['no cache'].mean / s['Redis warm (hit)'].mean).toFixed(2)}x`);
  c.plain.close();
  c.cached.close();
}
console.log('\nRatios (above 1: the warm cache is faster)');
for (const r of ratios) console.log(`- ${r}`);
process.exit(0);
