// The results tables (stdout and BENCHMARKS.md) and the raw JSON.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SCENARIOS } from './measure.mjs';

export const START_MARKER = '<!-- bench:results:start (written by `npm run bench`; edits inside are overwritten) -->';
export const END_MARKER = '<!-- bench:results:end -->';

const ms = (value) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));
const pct = (ratio) => `${(ratio * 100).toFixed(1)} %`;
const times = (ratio) =>
  ratio === null || ratio === undefined || !Number.isFinite(ratio)
    ? '–'
    : `×${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}`;
const cores = (x) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(0)} %`);
const mib = (bytes) => (bytes === null || bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
const errorsCell = (r) => (r.errors.total === 0 ? '0' : `${r.errors.total} (${(r.error_rate * 100).toFixed(2)} %)`);
const validCell = (r) =>
  `${r.valid ? 'yes' : r.requests === 0 ? '**NO** (no answer within the run)' : '**NO** (errors)'}${r.unsteady ? ' (unsteady)' : ''}`;

/** The Gatehouse SQLite row of the same scenario: the reference of every "vs Gatehouse SQLite" ratio. */
export const REFERENCE = 'gatehouse-sqlite';

/**
 * Each result's ratios to the Gatehouse SQLite row of its scenario: throughput through the
 * ratios to the ceiling (each row to its own bracketing ceiling runs, so the machine's drift
 * between the two rows cancels out), latencies as measured.
 */
export function compareToReference(results) {
  for (const r of results) {
    const ref = results.find((x) => x.scenario === r.scenario && x.server === REFERENCE);
    r.vs_gatehouse_sqlite = ref
      ? {
          rps: r.ratio / ref.ratio,
          rps_raw: r.rps / ref.rps,
          p50: r.latency_ms.p50 / ref.latency_ms.p50,
          p99: r.latency_ms.p99 / ref.latency_ms.p99,
        }
      : null;
  }
}

const TEXT_HEADER = [
  'scenario',
  'server',
  'req/s',
  'p50 ms',
  'p99 ms',
  'errors',
  'ceiling req/s',
  'ratio to ceiling',
  'vs GH SQLite',
  'server CPU',
  'other CPU',
  'valid',
];

export function textTable(results) {
  const body = results.map((r) => [
    r.scenario,
    r.server_label,
    r.rps.toFixed(0),
    ms(r.latency_ms.p50),
    ms(r.latency_ms.p99),
    errorsCell(r),
    `${r.ceiling.before.rps.toFixed(0)} → ${r.ceiling.after.rps.toFixed(0)}`,
    pct(r.ratio),
    r.vs_gatehouse_sqlite ? times(r.vs_gatehouse_sqlite.rps) : '–',
    cores(r.cpu.server_cpu),
    cores(r.background),
    validCell(r).replace(/\*\*/g, ''),
  ]);
  const widths = TEXT_HEADER.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  return [line(TEXT_HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

const SCENARIO_HEADER = [
  'server',
  'req/s',
  'p50 ms',
  'p99 ms',
  'ratio to ceiling',
  'req/s vs Gatehouse SQLite',
  'p50 / p99 vs Gatehouse SQLite',
  'errors',
  'ceiling req/s (before → after)',
  'server CPU',
  'other CPU',
  'valid',
];

/**
 * One table per scenario: every server's row, and "n/a" for a server that cannot do it.
 * `servers` lists server processes; several processes may report as one server (`server`).
 */
export function scenarioTables(results, servers) {
  const out = [];
  for (const scenario of SCENARIOS) {
    const rows = [];
    for (const server of servers) {
      const r = results.find((x) => x.scenario === scenario && x.process === server.name);
      if (r) {
        const vs = r.vs_gatehouse_sqlite;
        rows.push([
          r.server_label,
          r.rps.toFixed(0),
          ms(r.latency_ms.p50),
          ms(r.latency_ms.p99),
          `**${pct(r.ratio)}**`,
          r.server === REFERENCE ? 'reference' : vs ? `**${times(vs.rps)}**` : '–',
          r.server === REFERENCE ? 'reference' : vs ? `${times(vs.p50)} / ${times(vs.p99)}` : '–',
          errorsCell(r),
          `${r.ceiling.before.rps.toFixed(0)} → ${r.ceiling.after.rps.toFixed(0)}`,
          cores(r.cpu.server_cpu),
          cores(r.background),
          validCell(r),
        ]);
      } else if (server.na?.[scenario]) {
        rows.push([server.label, `n/a: ${server.na[scenario]}`, ...SCENARIO_HEADER.slice(2).map(() => '')]);
      }
    }
    if (!rows.length) continue;
    out.push(
      `**${scenario}**`,
      '',
      `| ${SCENARIO_HEADER.join(' | ')} |`,
      `| ${SCENARIO_HEADER.map((_, i) => (i ? '---:' : '---')).join(' | ')} |`,
    );
    for (const row of rows) out.push(`| ${row.join(' | ')} |`);
    out.push('');
  }
  return out;
}

export function ceilingLine(ceilings) {
  return `ceiling (bare node:http): ${Object.entries(ceilings)
    .map(
      ([scenario, c]) =>
        `${scenario}-shaped median ${c.median_rps.toFixed(0)} req/s (${c.min_rps.toFixed(0)}–${c.max_rps.toFixed(0)} over ${c.runs} runs)`,
    )
    .join('; ')}`;
}

export function targetLines(targets) {
  return targets.map(
    (t) =>
      `${t.met ? 'met' : 'NOT met'}: ${t.description} — measured ${t.measured === null ? 'n/a' : t.format ? t.format(t.measured) : pct(t.measured)}` +
      (t.inconclusive ? ' (inconclusive: a run had errors or the machine was unsteady)' : ''),
  );
}

/** Peak resident memory of every server process, read from /proc/PID/status (VmHWM) before it was stopped. */
export function memoryLines(servers, extra = []) {
  const rows = [
    ...servers.map((s) => [s.label, s.scenarios.length ? s.scenarios.join(', ') : '–', mib(s.peak_rss)]),
    ...extra,
  ];
  return [
    '| server process | scenarios it ran | peak RSS (VmHWM) |',
    '|---|---|---:|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

export function scalingLines(scaling) {
  const row = (c) =>
    `| ${c.node_count} | ${c.connections.join(' + ')} | ${c.rps.toFixed(0)} | ${ms(c.latency_ms.p50)} / ${ms(c.latency_ms.p99)} | ${c.ceiling.before.rps.toFixed(0)} → ${c.ceiling.after.rps.toFixed(0)} | ` +
    `${pct(c.ratio)} | **${times(c.vs_one_node)}** | ${times(c.vs_one_node_raw)} | ${cores(c.cpu.server_cpu)} | ${cores(c.cpu.postgres_cpu)} | ${cores(c.background)} | ${validCell(c)} |`;
  return [
    "| nodes | wrk connections | req/s (sum) | slowest node p50 / p99 ms | ceiling req/s (before → after) | ratio to ceiling | vs 1 node | vs 1 node (raw req/s) | nodes' CPU | PostgreSQL CPU | other CPU | valid |",
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...scaling.configurations.map(row),
  ];
}

export function stormLines(storm) {
  const row = (r) =>
    `| ${r.run} | ${r.rps.toFixed(0)} | ${ms(r.latency_ms.p50)} | ${ms(r.latency_ms.p99)} | ${errorsCell(r)} | ` +
    (r.storm
      ? `${r.storm.rps.toFixed(1)} (p99 ${ms(r.storm.latency_ms.p99)} ms, errors ${r.storm.errors.total})`
      : '–') +
    ` | ${cores(r.cpu.server_cpu)} | ${cores(r.cpu.background)} |`;
  return [
    '| run (in order) | client_credentials req/s | p50 ms | p99 ms | errors | password-grant logins/s | server CPU | other CPU |',
    '|---|---:|---:|---:|---:|---|---:|---:|',
    ...storm.runs.map(row),
    '',
    `- client_credentials p99 during the storm: **${ms(storm.storm_p99_ms)} ms**, ${times(storm.ratio)} the idle p99 (${ms(storm.idle_p99_ms)} ms, the mean of the runs before and after)` +
      `${storm.valid ? '' : ' (**a run had errors**)'}`,
  ];
}

/** The protected-route scenario: each route's numbers and the guarded routes' ratios. */
export function protectedLines(p) {
  const row = (r) =>
    `| \`/${r.route}\` | ${r.rps.toFixed(0)} | ${ms(r.latency_ms.p50)} | ${ms(r.latency_ms.p99)} | ${r.errors} |`;
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
  const { machine, settings: s, results, servers, targets, command, started_at } = report;
  const lines = [
    START_MARKER,
    '',
    `Measured ${started_at} with \`${command}\` (one run; every ratio compares numbers from this same run).`,
    '',
    `- Machine: ${machine.nproc} cores, ${machine.cpu_model}, ${machine.memory_gib} GiB RAM, Linux ${machine.kernel}`,
    `- Node ${machine.node}, ${machine.wrk}, PostgreSQL ${machine.postgres ?? 'not measured'} (same machine, not pinned), better-sqlite3 ${machine.better_sqlite3}` +
      (machine.peers
        ? `, ${Object.entries(machine.peers)
            .map(([name, version]) => `${name} ${version}`)
            .join(', ')}`
        : ''),
    `- Gatehouse ${machine.git}${machine.src_changes?.length ? ` (${machine.src_changes.map((c) => `\`${c}\``).join(', ')})` : ''}, as built in \`dist/\``,
    `- Servers pinned with \`taskset -c ${s.serverCore}\`, wrk with \`taskset -c ${s.wrkCore}\`; ` +
      `every row: wrk \`-t${s.threads} -c${s.connections} -d${s.duration}s --timeout 5s --latency\` after a ${s.warmup} s warm-up at the same load, ` +
      `between two ${s.ceilingDuration} s ceiling runs with the same script` +
      (results.some((r) => r.scenario === 'refresh_token')
        ? `; ${s.refreshTokens} refresh tokens (new token families) minted before each refresh run`
        : '') +
      (results.some((r) => r.scenario.startsWith('authorization_code'))
        ? '; fresh authorization codes minted before each code run, each presented once'
        : ''),
    '- Gatehouse runs as `node dist/cli/main.js serve` at its default log level (info: one JSON line per request, to a file) unless the row says warn; the peers as set up in *What is measured*',
    '',
  ];
  if (results.length) {
    lines.push(...scenarioTables(results, servers), `${ceilingLine(report.ceilings)}.`, '');
    const peers = servers.some((server) => server.engine === 'memory');
    lines.push(
      `**Peak memory** of each server process (VmHWM: the most it was resident at any time, over all the runs it served${peers ? '; the peers keep every token they issue in memory, Gatehouse in its database' : ''}):`,
      '',
    );
    lines.push(
      ...memoryLines(
        servers,
        report.ceiling_peak_rss ? [['ceiling (bare node:http)', 'all ceiling runs', mib(report.ceiling_peak_rss)]] : [],
      ),
      '',
    );
  }
  if (report.scaling) {
    lines.push(
      `**Scaling** (client_credentials, Gatehouse nodes on one PostgreSQL database; every node pinned to core ${s.serverCore}, one wrk per node on core ${s.wrkCore}, ` +
        `the ${s.connections} connections split between them, counts summed; *vs 1 node* compares ratios to the ceiling, so drift between configurations cancels out):`,
      '',
      ...scalingLines(report.scaling),
      '',
      `- This machine has ${machine.nproc} cores: all the nodes share core ${s.serverCore} (wrk has the other, PostgreSQL floats). ` +
        'A second or third node can only use the time one node spends waiting for PostgreSQL, not another core: this shows the cost or gain of running several processes against one database, not horizontal scaling, which needs a core (or machine) per node.',
      '',
    );
  }
  if (report.storm) {
    lines.push(
      `**Login storm** (Gatehouse SQLite, log level info, \`trusted_proxies: 127.0.0.1\`; client_credentials with the usual wrk settings, alone and beside a second wrk of ${report.storm.storm_connections} connections posting password-grant logins of ${report.storm.users} users in turn — argon2id, m = 19 MiB, t = 2, on libuv's thread pool; server, event loop and thread pool alike, on core ${s.serverCore}):`,
      '',
      ...stormLines(report.storm),
      '',
    );
  }
  if (report.protected_api) {
    lines.push(
      "**Protected API** (`gatehouse/resource` guarding a Fastify route with `requireScope('read')`; the API pinned to the server core, the two idle authorization servers to the load generator's; " +
        'each guarded run is compared with the mean of the unprotected runs just before and after it; same wrk settings, `GET` with `Authorization: Bearer`):',
      '',
      ...protectedLines(report.protected_api),
      '',
    );
  }
  lines.push(
    "*ratio to ceiling* = the row's req/s ÷ the mean of the two ceiling runs just before and after it (same wrk script; for the refresh_token, authorization_code and password shapes the ceiling also returns a refresh token, for introspection an active description). " +
      "*req/s vs Gatehouse SQLite* = the row's ratio to its ceiling ÷ Gatehouse SQLite's in the same scenario (the machine's drift between the two rows cancels out; the plain quotient of req/s is in the JSON); *p50 / p99 vs Gatehouse SQLite* are plain quotients. " +
      `*server CPU* is the server's share of its core during the run (below 100 % = waiting for the disk or the database); *other CPU* is what other programs on the machine used meanwhile (PostgreSQL's processes not counted). ` +
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
  );
  return lines.join('\n');
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
  writeFileSync(path, `${JSON.stringify(value, (_key, v) => (typeof v === 'function' ? undefined : v), 2)}\n`);
}
