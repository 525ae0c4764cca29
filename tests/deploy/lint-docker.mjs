// Lints the mgi images and compose stack without a Docker engine.
//   node tests/deploy/lint-docker.mjs <repo root>
// 1. dockerfile-utils (the Docker language-service validator): any diagnostic fails.
// 2. Image rules with dockerfile-ast: runtime stages on debian:bookworm-slim, numeric non-root USER,
//    exec-form ENTRYPOINT and HEALTHCHECK using mgi-healthcheck, no :latest or untagged FROM,
//    apt-get with --no-install-recommends and list cleanup, build stage on the project's scripts.
// 3. docker/compose.yaml structure (the suite, Redis as an LRU cache, the SQLite volume, port 8080).
// 4. Self-test: a known-bad Dockerfile must be refused, so this check can fail.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');
const require = createRequire(path.join(root, 'tools/node/package.json'));
const { validate } = require('dockerfile-utils');
const { DockerfileParser } = require('dockerfile-ast');
const yaml = require('js-yaml');

const TARGETS = { catalog: [50051], assessment: [50052], report: [50053], gateway: [8080] };
let passed = 0;
let failed = 0;
function check(name, problems) {
  if (problems.length === 0) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}`);
    for (const p of problems) console.log(`     - ${p}`);
  }
}

// Returns the rule violations of one Dockerfile text.
export function dockerfileProblems(text, { targets = TARGETS } = {}) {
  const problems = [];
  for (const d of validate(text)) {
    problems.push(`dockerfile-utils line ${d.range.start.line + 1}: ${d.message}`);
  }
  const df = DockerfileParser.parse(text);
  const args = Object.fromEntries(
    df.getInstructions().filter((i) => i.getKeyword() === 'ARG')
      .map((i) => i.getArgumentsContent().split('='))
      .filter((kv) => kv.length === 2));
  const expand = (s) => s.replace(/\$\{(\w+)\}/g, (_, n) => args[n] ?? '');
  const stages = [];
  let current = null;
  for (const ins of df.getInstructions()) {
    const kw = ins.getKeyword();
    const line = ins.getRange().start.line + 1;
    const content = ins.getArgumentsContent() ?? '';
    if (kw === 'FROM') {
      const [image, as, name] = content.split(/\s+/);
      current = { name: as?.toUpperCase() === 'AS' ? name : undefined, image, parent: null,
                  ins: [] };
      const base = stages.find((s) => s.name === image);
      if (base) current.parent = base;
      else {
        const ref = expand(image);
        if (!/^[\w./-]+:[\w.-]+(@sha256:[0-9a-f]{64})?$/.test(ref) || /:latest\b/.test(ref)) {
          problems.push(`line ${line}: FROM ${image} must name a pinned tag (not latest)`);
        }
      }
      stages.push(current);
      continue;
    }
    if (!current) continue;
    current.ins.push({ kw, content, line, ins });
    if (kw === 'RUN' && /apt-get install/.test(content)) {
      if (!/--no-install-recommends/.test(content)) {
        problems.push(`line ${line}: apt-get install without --no-install-recommends`);
      }
      if (!/-y\b/.test(content)) problems.push(`line ${line}: apt-get install without -y`);
      if (!/rm -rf \/var\/lib\/apt\/lists/.test(content)) {
        problems.push(`line ${line}: apt-get install without rm -rf /var/lib/apt/lists/*`);
      }
    }
    if (kw === 'RUN' && /apt-get (dist-)?upgrade/.test(content)) {
      problems.push(`line ${line}: apt-get upgrade in an image build`);
    }
  }
  const chain = (s) => (s ? [...chain(s.parent), s] : []);
  const all = (s) => chain(s).flatMap((x) => x.ins);
  const rootImage = (s) => expand(chain(s)[0].image);
  const build = stages.find((s) => s.name === 'build');
  if (!build) problems.push('no "build" stage');
  else {
    if (!/^debian:bookworm$/.test(rootImage(build))) {
      problems.push(`build stage must be FROM debian:bookworm, is ${rootImage(build)}`);
    }
    const runs = build.ins.filter((i) => i.kw === 'RUN').map((i) => i.content).join('\n');
    if (!/scripts\/install-deps\.sh/.test(runs)) problems.push('build stage must run scripts/install-deps.sh');
    if (!/cmake --preset release/.test(runs)) problems.push('build stage must use the release preset');
  }
  for (const [target, ports] of Object.entries(targets)) {
    const st = stages.find((s) => s.name === target);
    if (!st) {
      problems.push(`no "${target}" stage`);
      continue;
    }
    if (rootImage(st) !== 'debian:bookworm-slim') {
      problems.push(`${target}: runtime must be FROM debian:bookworm-slim, is ${rootImage(st)}`);
    }
    const ins = all(st);
    const users = ins.filter((i) => i.kw === 'USER');
    const user = users.at(-1)?.content;
    if (!user || !/^[1-9]\d*(:\d+)?$/.test(user)) {
      problems.push(`${target}: last USER must be a numeric non-root uid, is ${user ?? 'unset'}`);
    }
    const entry = ins.filter((i) => i.kw === 'ENTRYPOINT').at(-1);
    if (!entry || !entry.content.trim().startsWith('[')) {
      problems.push(`${target}: ENTRYPOINT must be exec form (JSON array)`);
    } else if (!entry.content.includes(`/usr/local/bin/mgi-${target}`)) {
      problems.push(`${target}: ENTRYPOINT must run /usr/local/bin/mgi-${target}`);
    }
    const hc = ins.filter((i) => i.kw === 'HEALTHCHECK').at(-1);
    if (!hc || !/CMD \["\/usr\/local\/bin\/mgi-healthcheck"/.test(hc.content)) {
      problems.push(`${target}: HEALTHCHECK must run mgi-healthcheck in exec form`);
    }
    const exposed = ins.filter((i) => i.kw === 'EXPOSE').flatMap((i) => i.content.split(/\s+/));
    for (const p of ports) {
      if (!exposed.includes(String(p))) problems.push(`${target}: does not EXPOSE ${p}`);
    }
    if (ins.some((i) => i.kw === 'ADD')) problems.push(`${target}: use COPY, not ADD`);
    // Compiled-in paths point into the source tree: the image must carry the files and say where.
    const copies = ins.filter((i) => i.kw === 'COPY').map((i) => i.content).join('\n');
    if (!/\/src\/data \/usr\/share\/mgi\b/.test(copies)) problems.push(`${target}: data/ must be in /usr/share/mgi`);
    if (target === 'gateway') {
      const env = ins.filter((i) => i.kw === 'ENV').map((i) => i.content).join(' ');
      if (!/\/src\/gateway\/www \/usr\/share\/mgi\/www/.test(copies) || !/MGI_GATEWAY_WWW_DIR=\/usr\/share\/mgi\/www/.test(env)) {
        problems.push('gateway: gateway/www must be copied to /usr/share/mgi/www and MGI_GATEWAY_WWW_DIR set');
      }
    }
  }
  return problems;
}

export function composeProblems(text, stageNames) {
  const problems = [];
  const doc = yaml.load(text);
  const svcs = doc?.services ?? {};
  for (const target of Object.keys(TARGETS)) {
    const s = svcs[target];
    if (!s) {
      problems.push(`service ${target} missing`);
      continue;
    }
    if (s.build?.target !== target || !stageNames.includes(s.build?.target)) {
      problems.push(`${target}: build.target must be the "${target}" Dockerfile stage`);
    }
    if (s.user !== '10001:10001') problems.push(`${target}: user must be "10001:10001"`);
    if (s.read_only !== true) problems.push(`${target}: read_only must be true`);
    if (!(s.cap_drop ?? []).includes('ALL')) problems.push(`${target}: cap_drop must include ALL`);
    if (!(s.healthcheck?.test ?? []).includes('/usr/local/bin/mgi-healthcheck')) {
      problems.push(`${target}: healthcheck must use mgi-healthcheck`);
    }
    const env = s.environment ?? {};
    const mounts = (s.volumes ?? []).map(String).join(' ');
    if (target === 'gateway') {
      // Least privilege (issue 21): the gateway forwards tokens and never talks to Redis.
      if (/secrets/.test(mounts) || s.secrets) problems.push('gateway: must not mount any secret');
      if (Object.keys(env).some((k) => /TOKENS_FILE|PASSWORD_FILE|HMAC_KEY_FILE/.test(k))) {
        problems.push('gateway: no secret file variables');
      }
    } else {
      if (env.MGI_REDIS_ADDR !== 'redis:6379') problems.push(`${target}: MGI_REDIS_ADDR must be redis:6379`);
      for (const k of ['MGI_REDIS_PASSWORD_FILE', 'MGI_CACHE_HMAC_KEY_FILE', 'MGI_AUTH_TOKENS_FILE']) {
        const dir = (env[k] ?? '').split('/').slice(0, -1).join('/');
        if (!dir || !mounts.includes(`:${dir}:ro`)) problems.push(`${target}: ${k} must be a file in a read-only volume`);
      }
    }
    if (env[`MGI_${target.toUpperCase()}_HOST`] !== '0.0.0.0') {
      problems.push(`${target}: must listen on 0.0.0.0 in the container`);
    }
  }
  const redis = svcs.redis;
  const cmd = [].concat(redis?.entrypoint ?? [], redis?.command ?? []).join(' ');
  if (/--requirepass|--protected-mode/.test(cmd)) {
    problems.push('redis: the password goes in a config file, never argv; protected mode stays on');
  }
  if (!/requirepass/.test(cmd) || !/redis-password/.test(cmd)) problems.push('redis: must require the generated password');
  if (!/^redis:\d/.test(redis?.image ?? '')) problems.push('redis: must use the official redis image, pinned');
  for (const want of ['--maxmemory-policy allkeys-lru', '--appendonly no', '--save ']) {
    if (!cmd.includes(want)) problems.push(`redis: command lacks "${want}"`);
  }
  if (!/--maxmemory \d+[kmg]b/.test(cmd)) problems.push('redis: command lacks --maxmemory <n>mb');
  if (redis?.ports) problems.push('redis: must not be published on the host');
  const vol = (svcs.assessment?.volumes ?? []).find((v) => String(v).endsWith(':/var/lib/mgi'));
  if (!vol || !(String(vol).split(':')[0] in (doc.volumes ?? {}))) {
    problems.push('assessment: /var/lib/mgi must be a named volume');
  }
  const gatewayPorts = (svcs.gateway?.ports ?? []).map(String);
  if (!gatewayPorts.some((p) => p.endsWith('8080:8080'))) problems.push('gateway: must publish 8080');
  if (gatewayPorts.some((p) => !p.startsWith('127.0.0.1:'))) {
    problems.push('gateway: must be published on 127.0.0.1 only (issue 21)');
  }
  const init = [].concat(svcs.secrets?.command ?? []).join(' ');
  for (const f of ['admin-token', 'tokens', 'redis-password', 'cache-hmac-key']) {
    if (!init.includes(f)) problems.push(`secrets: must generate ${f} at first start`);
  }
  if (/^[0-9a-f]{64} admin/m.test(text)) problems.push('no well-known admin token in the repository');
  for (const name of ['catalog', 'assessment', 'report']) {
    if (svcs[name]?.ports) problems.push(`${name}: only the gateway may be published`);
  }
  return problems;
}

const dockerfile = fs.readFileSync(path.join(root, 'docker/Dockerfile'), 'utf8');
check('docker/Dockerfile', dockerfileProblems(dockerfile));

const stageNames = DockerfileParser.parse(dockerfile).getInstructions()
  .filter((i) => i.getKeyword() === 'FROM').map((i) => i.getArgumentsContent().split(/\s+/)[2]);
check('docker/compose.yaml', composeProblems(
  fs.readFileSync(path.join(root, 'docker/compose.yaml'), 'utf8'), stageNames));

const ignore = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
check('.dockerignore', ['.git', 'build', '**/node_modules/', '**/*.db']
  .filter((p) => !ignore.includes(p)).map((p) => `does not exclude ${p}`));

// Self-test: each of these must be refused for the reason given.
const bad = {
  'untagged FROM': 'FROM debian AS build\nRUN scripts/install-deps.sh && cmake --preset release\n',
  'root user': dockerfile.replace(/USER 10001:10001/g, 'USER root'),
  'shell-form ENTRYPOINT': dockerfile.replace('ENTRYPOINT ["/usr/local/bin/mgi-catalog"]',
                                              'ENTRYPOINT /usr/local/bin/mgi-catalog'),
  'missing --no-install-recommends': dockerfile.replace(/--no-install-recommends/g, ''),
  'syntax error': dockerfile.replace('EXPOSE 50051 9101', 'EXPOSE'),
  'a gateway without its www dir': dockerfile.replace('COPY --from=build /src/gateway/www /usr/share/mgi/www', ''),
};
for (const [why, text] of Object.entries(bad)) {
  const p = dockerfileProblems(text);
  check(`self-test refuses ${why}`, p.length > 0 ? [] : ['was accepted']);
}
const composeText = fs.readFileSync(path.join(root, 'docker/compose.yaml'), 'utf8');
const badComposes = {
  'a compose Redis without allkeys-lru': composeText.replace('allkeys-lru', 'noeviction'),
  'a gateway on 0.0.0.0': composeText.replace('"127.0.0.1:8080:8080"', '"8080:8080"'),
  'a Redis password in argv': composeText.replace('--appendonly no', '--appendonly no --requirepass x'),
  'a token file in the gateway': composeText.replace(/(# The gateway only forwards[^\n]*\n\s*volumes: )\[\]/,
                                                     '$1[auth:/run/secrets/auth:ro]'),
};
for (const [why, text] of Object.entries(badComposes)) {
  check(`self-test refuses ${why}`, text !== composeText && composeProblems(text, stageNames).length > 0
    ? [] : ['was accepted']);
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
