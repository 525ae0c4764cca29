// The end-to-end cache benchmark (phase 2): a rendered report through the real services, cold
// (rendered every time: no Redis) against warm (the same report from the Redis cache).
// Starts redis-server, mgi-catalog, mgi-assessment (seeded with data/profiles) and two mgi-report
// (one without, one with MGI_REDIS_ADDR) on free loopback ports, then calls GetReport.
//
//   node bench/cache/services_bench.mjs [--bin-dir=build/release/bin] [--iterations=20]
//        [--format=pdf] [--language=en] [--profile=profiles/gtm-2022]
//
// Needs the npm tools in tools/node (./mgi test installs them).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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

function getReport(client) {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => client.GetReport(
    { name: `${profile}/report`, format, language }, { deadline: Date.now() + 60000 },
    (err, body) => (err ? reject(err)
      : resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes: body.data.length }))));
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p90: at(0.9), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const redisPort = await freePort();
start('/usr/bin/redis-server', ['--port', `${redisPort}`, '--bind', '127.0.0.1', '--save', '',
  '--appendonly', 'no']);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mgi-cache-bench-'));
const catalogPort = await service('mgi-catalog', []);
const peers = { MGI_CATALOG_ADDR: `127.0.0.1:${catalogPort}` };
const assessmentPort = await service('mgi-assessment',
  [`--db=${tmp}/assessment.db`, `--seed-dir=${path.join(root, 'data/profiles')}`], peers);
Object.assign(peers, { MGI_ASSESSMENT_ADDR: `127.0.0.1:${assessmentPort}` });
const coldPort = await service('mgi-report', [], peers);
const warmPort = await service('mgi-report', [], { ...peers, MGI_REDIS_ADDR: `127.0.0.1:${redisPort}` });

const client = (port) => new report.ReportService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
const cold = client(coldPort);
const warm = client(warmPort);
const first = await getReport(warm);  // renders and fills the cache
const rows = { 'no cache (renders every time)': [], 'Redis cache, warm': [] };
for (let i = 0; i < iterations; i++) {
  rows['no cache (renders every time)'].push((await getReport(cold)).ms);
  rows['Redis cache, warm'].push((await getReport(warm)).ms);
}
console.log(`GetReport ${profile} format=${format} language=${language}: ${first.bytes} bytes; ` +
  `${iterations} calls per row; first call with the cache (cold fill) ${first.ms.toFixed(1)} ms\n`);
console.log('| case (ms per GetReport) | p50 | p90 | mean |');
console.log('|---|---|---|---|');
for (const [name, samples] of Object.entries(rows)) {
  const s = stats(samples);
  console.log(`| ${name} | ${s.p50.toFixed(1)} | ${s.p90.toFixed(1)} | ${s.mean.toFixed(1)} |`);
}
cold.close();
warm.close();
process.exit(0);
