#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, top
// functions by inclusive (total) time, and self time grouped by where the code lives
// (a package in node_modules, Node's internals, Gatehouse's dist/, GC, idle).
//
//   node bench/cpuprofile-top.mjs FILE.cpuprofile [--top 25] [--json]
import { readFileSync } from 'node:fs';

export function summarise(profile, { top = 25 } = {}) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const key = (frame) => `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
  const self = new Map();
  const total = new Map();
  const groups = new Map();
  let all = 0;
  let idle = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const dt = Math.max(0, deltas[i] ?? 0);
    const node = byId.get(samples[i]);
    if (!node) continue;
    all += dt;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') idle += dt;
    self.set(key(frame), (self.get(key(frame)) ?? 0) + dt);
    const group = groupOf(frame);
    groups.set(group, (groups.get(group) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const k = key(byId.get(id).callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + dt);
    }
  }
  const busy = all - idle;
  const rank = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share_of_busy: busy ? us / busy : 0 }));
  // Idle is not a cost, and the roots' inclusive time says nothing: rank real work only.
  for (const map of [self, groups]) for (const k of [...map.keys()]) if (k.startsWith('(idle)')) map.delete(k);
  for (const k of [...total.keys()]) if (/^\((root|program|idle|garbage collector)\)/.test(k)) total.delete(k);
  return {
    sampled_ms: all / 1000,
    idle_ms: idle / 1000,
    busy_ms: busy / 1000,
    self: rank(self),
    total: rank(total),
    groups: rank(groups),
  };
}

function shortUrl(url) {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function groupOf(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  if (url.startsWith('node:'))
    return `node:${url.slice(5).split('/')[0] === 'internal' ? `internal/${url.slice(5).split('/')[1]}` : url.slice(5)}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `gatehouse ${url.slice(dist + 1)}`;
  return url;
}

export function formatSummary(summary) {
  const lines = [];
  const pct = (x) => `${(x * 100).toFixed(1).padStart(5)} %`;
  lines.push(
    `sampled ${summary.sampled_ms.toFixed(0)} ms, idle ${summary.idle_ms.toFixed(0)} ms, busy ${summary.busy_ms.toFixed(0)} ms (percentages are of busy time)`,
  );
  for (const [title, list] of [
    ['self time by function', summary.self],
    ['self time by package / file', summary.groups],
    ['total (inclusive) time by function', summary.total],
  ]) {
    lines.push('', title);
    for (const row of list) lines.push(`  ${pct(row.share_of_busy)}  ${row.ms.toFixed(0).padStart(7)} ms  ${row.name}`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    process.stderr.write('usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [--top N] [--json]\n');
    process.exit(2);
  }
  const topIndex = args.indexOf('--top');
  const summary = summarise(JSON.parse(readFileSync(file, 'utf8')), {
    top: topIndex >= 0 ? Number(args[topIndex + 1]) : 25,
  });
  process.stdout.write(
    args.includes('--json') ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`,
  );
}
