// Starts the real suite for a browser test: mgi-catalog, mgi-assessment (seeded with
// data/profiles), mgi-report and mgi-gateway on free loopback ports, with logs in a temporary
// directory; waits for the gateway and the seed with deadlines.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));  // polling interval of a deadline-bound wait
  }
  throw new Error(`${what} not ready in ${timeoutMs} ms ${last || ''}`);
}

// Returns { base, logs, stop() }. `env`: extra environment for every process.
async function startSuite(binDir, sourceDir, env = {}) {
  const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'mgi-browser-'));
  const children = [];
  const start = (name, flags) => {
    const log = fs.openSync(path.join(logs, `${name}.log`), 'w');
    const child = spawn(path.join(binDir, name), flags,
      { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
    children.push(child);
  };
  const [pc, pa, pr, pg] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const addr = (p) => `127.0.0.1:${p}`;
  const common = ['--host=127.0.0.1', '--metrics-port=-1'];
  start('mgi-catalog', [...common, `--port=${pc}`]);
  start('mgi-assessment', [...common, `--port=${pa}`, `--catalog-addr=${addr(pc)}`,
    `--db=${path.join(logs, 'assessment.db')}`, `--seed-dir=${path.join(sourceDir, 'data/profiles')}`]);
  start('mgi-report', [...common, `--port=${pr}`, `--catalog-addr=${addr(pc)}`, `--assessment-addr=${addr(pa)}`]);
  start('mgi-gateway', [`--port=${pg}`, '--metrics-port=-1', `--catalog-addr=${addr(pc)}`,
    `--assessment-addr=${addr(pa)}`, `--report-addr=${addr(pr)}`, '--log-level=warn']);
  const base = `http://127.0.0.1:${pg}`;
  const stop = (signal = 'SIGTERM') => { for (const c of children) c.kill(signal); };
  try {
    await waitFor('gateway /readyz', async () => (await fetch(`${base}/readyz`)).status === 200, 60000);
    await waitFor('seeded profiles', async () => {
      const r = await fetch(`${base}/v1/profiles`);
      return r.ok && ((await r.json()).profiles || []).length > 0;
    }, 60000);
  } catch (e) {
    stop('SIGKILL');
    throw e;
  }
  return { base, logs, stop };
}

module.exports = { startSuite, waitFor };
