// The results table (stdout and BENCHMARKS.md) and the raw JSON.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const START_MARKER = '<!-- bench:results:start (written by `npm run bench`; edits inside are overwritten) -->';
export const END_MARKER = '<!-- bench:results:end -->';

const ms = (value) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const pct = (ratio) => `${(ratio * 100).toFixed(1)} %`;
const cores = (x) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(0)} %`);

const HEADER = ['scenario', 'engine', 'log level', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'ceiling req/s (before → after)', 'ratio to ceiling', 'server CPU', 'other CPU', 'valid'];
const RIGHT_FROM = 3;

function rows(results) {
  return results.map((r) => [
    r.scenario,
    r.engine,
    r.log_level,
    r.rps.toFixed(0),
    ms(r.latency_ms.p50),
    ms(r.latency_ms.p99),
    r.errors.total === 0 ? '0' : `${r.errors.total} (${(r.error_rate * 100).toFixed(2)} %)`,
    `${r.ceiling.before.rps.toFixed(0)} → ${r.ceiling.after.rps.toFixed(0)}`,
    `**${pct(r.ratio)}**`,
    cores(r.cpu.server_cpu),
    cores(r.background),
    `${r.valid ? 'yes' : '**NO** (errors)'}${r.unsteady ? ' (unsteady)' : ''}`,
  ]);
}

export function textTable(results) {
  const body = rows(results).map((row) => row.map((cell) => cell.replace(/\*\*/g, '')));
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i >= RIGHT_FROM ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(results) {
  const align = HEADER.map((_, i) => (i >= RIGHT_FROM ? '---:' : '---'));
  return [HEADER, align, ...rows(results)].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

export function ceilingLine(ceilings) {
  return `ceiling (bare node:http): ${Object.entries(ceilings)
    .map(([scenario, c]) => `${scenario}-shaped median ${c.median_rps.toFixed(0)} req/s (${c.min_rps.toFixed(0)}–${c.max_rps.toFixed(0)} over ${c.runs} runs)`)
    .join('; ')}`;
}

export function targetLines(targets) {
  return targets.map(
    (t) =>
      `${t.met ? 'met' : 'NOT met'}: ${t.description} — measured ${t.measured === null ? 'n/a' : pct(t.measured)}` +
      (t.inconclusive ? ' (inconclusive: the run had errors or the machine was unsteady)' : ''),
  );
}

/** The protected-route scenario: each route's numbers and the guarded routes' ratios. */
export function protectedLines(p) {
  const row = (r) => `| \`/${r.route}\` | ${r.rps.toFixed(0)} | ${ms(r.latency_ms.p50)} | ${ms(r.latency_ms.p99)} | ${r.errors} |`;
  return [
    '| route (in the order run) | req/s | p50 ms | p99 ms | errors |',
    '|---|---:|---:|---:|---:|',
    ...p.runs.map(row),
    '',
    `- JWT validated locally (EdDSA, JWKS cached): **${pct(p.jwt.ratio)}** of the unprotected route (${p.jwt.rps.toFixed(0)} vs ${p.jwt.unprotected_rps.toFixed(0)} req/s)`,
    `- Opaque token by introspection, answered from the middleware's cache: **${pct(p.opaque.ratio)}** of the unprotected route (${p.opaque.rps.toFixed(0)} vs ${p.opaque.unprotected_rps.toFixed(0)} req/s)`,
  ];
}

export function markdownSection(report) {
  const { machine, settings: s, results, targets, command, started_at } = report;
  const protectedApi = report.protected_api
    ? [
        '**Protected API** (`gatehouse/resource` guarding a Fastify route with `requireScope(\'read\')`; the API pinned to the server core, the two idle authorization servers to the load generator\'s; ' +
          'each guarded run is compared with the mean of the unprotected runs just before and after it; same wrk settings, `GET` with `Authorization: Bearer`):',
        '',
        ...protectedLines(report.protected_api),
        '',
      ]
    : [];
  return [
    START_MARKER,
    '',
    `Measured ${started_at} with \`${command}\` (one run; every ratio compares numbers from this same run).`,
    '',
    `- Machine: ${machine.nproc} cores, ${machine.cpu_model}, ${machine.memory_gib} GiB RAM, Linux ${machine.kernel}`,
    `- Node ${machine.node}, ${machine.wrk}, PostgreSQL ${machine.postgres ?? 'not measured'} (same machine, not pinned), better-sqlite3 ${machine.better_sqlite3}`,
    `- Gatehouse ${machine.git}${machine.src_changes?.length ? ` (${machine.src_changes.map((c) => `\`${c}\``).join(', ')})` : ''}, as built in \`dist/\``,
    `- Server pinned with \`taskset -c ${s.serverCore}\`, wrk with \`taskset -c ${s.wrkCore}\`; ` +
      `Gatehouse runs: wrk \`-t${s.threads} -c${s.connections} -d${s.duration}s --timeout 5s --latency\` after a ${s.warmup} s warm-up at the same load, ` +
      `each between two ${s.ceilingDuration} s ceiling runs with the same script` +
      (results.some((r) => r.scenario === 'refresh_token') ? `; ${s.refreshTokens} refresh tokens (new token families) minted with the password grant before each refresh run` : ''),
    '- Gatehouse runs as `node dist/cli/main.js serve` at its default log level (info: one JSON line per request, to a file) unless the log level column says warn',
    '',
    ...(results.length ? [markdownTable(results), '', `${ceilingLine(report.ceilings)}.`, ''] : []),
    ...protectedApi,
    '*ratio to ceiling* = Gatehouse req/s ÷ the mean of the two ceiling runs just before and after it (same wrk script; the refresh_token-shaped ceiling also returns a new refresh token, which the Lua script feeds back). ' +
      `*server CPU* is the server's share of its core during the Gatehouse run (below 100 % = waiting for the disk or the database); *other CPU* is what other programs on the machine used meanwhile (PostgreSQL's processes not counted). ` +
      `*unsteady*: after ${s.retries} repeats, the two ceiling runs still differed by more than ${Math.round(s.maxDrift * 100)} % or other programs used more than ${Math.round(s.maxBackground * 100)} % of a core.`,
    '',
    '**Targets**',
    '',
    ...targetLines(targets).map((line) => `- ${line}`),
    '',
    ...(report.notes?.length ? [...report.notes.map((n) => `- ${n}`), ''] : []),
    'Raw numbers (all percentiles, status counts, CPU, every attempt, wrk command lines): `bench/results/latest.json`.',
    '',
    END_MARKER,
  ].join('\n');
}

/** Replaces the results section of BENCHMARKS.md (or writes the file from `template`). */
export function writeMarkdown(path, section, template) {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : template;
  const start = current.indexOf(START_MARKER);
  const end = current.indexOf(END_MARKER);
  const next =
    start >= 0 && end > start
      ? `${current.slice(0, start)}${section}${current.slice(end + END_MARKER.length)}`
      : `${current.trimEnd()}\n\n## Results\n\n${section}\n`;
  writeFileSync(path, next);
}

export function writeJson(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
