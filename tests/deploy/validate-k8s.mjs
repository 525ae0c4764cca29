// Validates rendered manifests against the Kubernetes 1.33 schemas of kubernetes-models@4.5.1.
//   node tests/deploy/validate-k8s.mjs <repo root> <rendered.yaml or directory>...
// Each object is built with its model class (apiVersion/kind -> kubernetes-models/<group>/<version>/<Kind>)
// and validate()d. The upstream schemas accept unknown fields, so a second pass walks each object
// against the model's TypeScript declarations and refuses any field they do not declare (a typo
// such as `readinesProbe` would otherwise be silently dropped by the API server).
// CRDs without a model here (ServiceMonitor) get a small structural check.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');
// Arguments may be files or directories (every *.yaml in them).
const files = process.argv.slice(3).flatMap((a) => (fs.statSync(a).isDirectory()
  ? fs.readdirSync(a).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(a, f))
  : [a]));
const nodeModules = path.join(root, 'tools/node/node_modules');
const require = createRequire(path.join(root, 'tools/node/package.json'));
const yaml = require('js-yaml');

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

function modelPath(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [null, apiVersion];
  return path.join(nodeModules, 'kubernetes-models', group ?? '', version, kind);
}

// --- declared fields, from the .d.ts files -------------------------------------------------
const declCache = new Map();
function declaredFields(dtsFile) {
  if (declCache.has(dtsFile)) return declCache.get(dtsFile);
  let fields = null;
  if (fs.existsSync(dtsFile)) {
    const text = fs.readFileSync(dtsFile, 'utf8');
    const imports = {};
    for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) imports[m[1]] = m[2];
    const body = text.match(/export interface I\w+(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/);
    if (body) {
      fields = {};
      // Properties sit at 4 spaces: `    "name"?: Type;` (map types span several lines).
      for (const m of body[1].matchAll(/^ {4}"([^"]+)"\??: (.+)$/gm)) {
        const type = m[2];
        let ref = null;
        let array = false;
        const arr = type.match(/^Array<(I\w+)>;$/);
        const one = type.match(/^(I\w+);$/);
        if (arr) [ref, array] = [arr[1], true];
        else if (one) ref = one[1];
        let file = null;
        if (ref && imports[ref]) {
          const from = imports[ref];
          file = (from.startsWith('.') ? path.resolve(path.dirname(dtsFile), from)
                                       : path.join(nodeModules, from)) + '.d.ts';
        }
        fields[m[1]] = { file, array };
      }
    }
  }
  declCache.set(dtsFile, fields);
  return fields;
}

function unknownFields(value, dtsFile, at, out) {
  const fields = declaredFields(dtsFile);
  if (!fields || value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    const f = fields[k];
    if (!f) {
      out.push(`${at}.${k}: unknown field (not in ${path.basename(dtsFile, '.d.ts')})`);
      continue;
    }
    if (!f.file) continue;
    if (f.array && Array.isArray(v)) v.forEach((x, i) => unknownFields(x, f.file, `${at}.${k}[${i}]`, out));
    else if (!f.array) unknownFields(v, f.file, `${at}.${k}`, out);
  }
  return out;
}

// --- CRDs without a model -------------------------------------------------------------------
const crdChecks = {
  'monitoring.coreos.com/v1/PrometheusRule': (o) => {
    const p = [];
    for (const k of Object.keys(o)) if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k)) p.push(`unknown field ${k}`);
    const groups = o.spec?.groups;
    if (!Array.isArray(groups) || groups.length === 0) p.push('spec.groups must be a non-empty list');
    for (const [i, g] of (groups ?? []).entries()) {
      if (typeof g.name !== 'string' || !g.name) p.push(`spec.groups[${i}].name is required`);
      if (!Array.isArray(g.rules) || g.rules.length === 0) p.push(`spec.groups[${i}].rules must be a non-empty list`);
      for (const [j, r] of (g.rules ?? []).entries()) {
        for (const k of Object.keys(r)) {
          if (!['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'].includes(k)) p.push(`spec.groups[${i}].rules[${j}].${k}: unknown field`);
        }
        if (!r.alert === !r.record) p.push(`spec.groups[${i}].rules[${j}]: exactly one of alert and record`);
        if (typeof r.expr !== 'string' || !r.expr) p.push(`spec.groups[${i}].rules[${j}].expr is required`);
        if (r.for !== undefined && !/^(\d+(ms|s|m|h))+$/.test(r.for)) p.push(`spec.groups[${i}].rules[${j}].for: not a duration`);
      }
    }
    return p;
  },
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => {
    const p = [];
    const allowed = ['apiVersion', 'kind', 'metadata', 'spec'];
    for (const k of Object.keys(o)) if (!allowed.includes(k)) p.push(`unknown field ${k}`);
    if (!o.spec?.selector) p.push('spec.selector is required');
    const eps = o.spec?.endpoints;
    if (!Array.isArray(eps) || eps.length === 0) p.push('spec.endpoints must be a non-empty list');
    for (const [i, e] of (eps ?? []).entries()) {
      for (const k of Object.keys(e)) {
        if (!['port', 'path', 'interval', 'scrapeTimeout', 'scheme', 'tlsConfig', 'relabelings',
              'metricRelabelings', 'honorLabels'].includes(k)) p.push(`spec.endpoints[${i}].${k}: unknown field`);
      }
      if (typeof e.port !== 'string') p.push(`spec.endpoints[${i}].port must be a port name`);
      for (const d of ['interval', 'scrapeTimeout']) {
        if (e[d] !== undefined && !/^(\d+(ms|s|m|h))+$/.test(e[d])) p.push(`spec.endpoints[${i}].${d}: not a duration`);
      }
    }
    return p;
  },
};

export function objectProblems(o) {
  if (!o || typeof o !== 'object') return ['not an object'];
  const key = `${o.apiVersion}/${o.kind}`;
  if (crdChecks[key]) return crdChecks[key](o);
  const file = modelPath(o.apiVersion ?? '', o.kind ?? '');
  if (!fs.existsSync(file + '.js')) return [`no Kubernetes model for ${key}`];
  const Model = require(file)[o.kind];
  const problems = [];
  try {
    new Model(o).validate();
  } catch (e) {
    const errs = e.errors ?? [{ instancePath: '', message: e.message }];
    for (const x of errs) problems.push(`${x.instancePath || '/'} ${x.message}${x.params ? ' ' + JSON.stringify(x.params) : ''}`);
  }
  return problems.concat(unknownFields(o, file + '.d.ts', o.kind, []));
}

for (const f of files) {
  const docs = yaml.loadAll(fs.readFileSync(f, 'utf8')).filter((d) => d);
  const problems = [];
  const counts = {};
  for (const d of docs) {
    counts[d.kind] = (counts[d.kind] ?? 0) + 1;
    for (const p of objectProblems(d)) problems.push(`${d.kind}/${d.metadata?.name}: ${p}`);
  }
  if (docs.length === 0) problems.push('no objects');
  const summary = Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ');
  check(`${path.basename(f)}: ${summary}`, problems);
}

// Self-test: the validator must refuse these, or it proves nothing.
const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } },
    spec: { containers: [{ name: 'c', image: 'i', readinessProbe: { grpc: { port: 50051 } } }] } } },
};
const clone = () => JSON.parse(JSON.stringify(deployment));
const bad = {
  'a misspelled field (readinesProbe)': (o) => {
    const c = o.spec.template.spec.containers[0];
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
  },
  'a string where an integer belongs': (o) => { o.spec.replicas = 'two'; },
  'a missing required field (containers)': (o) => { delete o.spec.template.spec.containers; },
  'a gRPC probe port by name': (o) => { o.spec.template.spec.containers[0].readinessProbe.grpc.port = 'grpc'; },
};
check('self-test accepts a valid Deployment', objectProblems(clone()));
for (const [what, mutate] of Object.entries(bad)) {
  const o = clone();
  mutate(o);
  check(`self-test refuses ${what}`, objectProblems(o).length > 0 ? [] : ['was accepted']);
}
check('self-test refuses a ServiceMonitor without endpoints',
      objectProblems({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x' },
                       spec: { selector: {} } }).length > 0 ? [] : ['was accepted']);
check('self-test refuses a PrometheusRule rule without expr',
      objectProblems({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'x' },
                       spec: { groups: [{ name: 'g', rules: [{ alert: 'A' }] }] } }).length > 0 ? [] : ['was accepted']);

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && files.length > 0 ? 0 : 1);
