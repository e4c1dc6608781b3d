#!/usr/bin/env node
// `npm run bench`: Gatehouse's token endpoint under wrk, against a bare node:http ceiling
// measured in the same run. See BENCHMARKS.md for what is measured and why.
//
// Knobs (environment; all documented in BENCHMARKS.md):
//   BENCH_DURATION=10        seconds per measured run
//   BENCH_WARMUP=3           seconds of warm-up before each measured run (0 = none)
//   BENCH_CONNECTIONS=32     wrk connections
//   BENCH_THREADS=1          wrk threads
//   BENCH_SCENARIOS=…        some (comma-separated) of the scenarios in bench/lib/measure.mjs; default all
//   BENCH_ONLY=…             one or more (comma-separated) of: sqlite, postgres (Gatehouse on one engine, every
//                            scenario), peers (oidc-provider, @node-oauth/oauth2-server and Gatehouse SQLite, their
//                            reference), scaling (1 → BENCH_SCALING_NODES nodes on PostgreSQL), storm (login storm),
//                            protected (the resource-server middleware); default: all of them
//   BENCH_REFRESH_TOKENS=N   refresh tokens pre-minted per server (default max(64, 5 × connections)), minted afresh for each warm-up and measured run
//   BENCH_SCALING_NODES=3    the scaling run measures 1, 2 … this many Gatehouse nodes
//   BENCH_STORM_CONNECTIONS=8  connections of the password-grant login storm
//   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres   admin connection (creates/drops the bench databases)
//   BENCH_SERVER_CORE=1 / BENCH_WRK_CORE=0   taskset cores
//   BENCH_MAX_BACKGROUND=0.15  cores other programs may use during a measured run before it is repeated
//   BENCH_MAX_DRIFT=0.1      spread allowed between the two ceiling runs around a server run before it is repeated
//   BENCH_CEILING_DURATION   seconds of each bracketing ceiling run (default max(3, BENCH_DURATION / 2))
//   BENCH_RETRIES=2          repeats of an unsteady run;  BENCH_QUIET_WAIT=60  seconds to wait for a quiet machine
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { peakRss } from './lib/cpu.mjs';
import { ROOT, checkBuild, distStamp, makeTempDir, postgresVersion, startCeiling } from './lib/gatehouse.mjs';
import { SCENARIOS, measure, settings, warmCeiling } from './lib/measure.mjs';
import { measureProtectedRoutes } from './lib/protected.mjs';
import { installSignalHandlers, runScript } from './lib/proc.mjs';
import {
  REFERENCE,
  ceilingLine,
  compareToReference,
  markdownSection,
  protectedLines,
  scalingLines,
  stormLines,
  targetLines,
  textTable,
  writeJson,
  writeMarkdown,
} from './lib/report.mjs';
import { measureScaling } from './lib/scaling.mjs';
import { measureStorm } from './lib/storm.mjs';
import {
  startFastifyFloorTarget,
  startGatehouseTarget,
  startOauth2ServerTarget,
  startOidcProviderTarget,
} from './lib/targets.mjs';
import { commandOutput, cpuModel, ensureTools, wrkVersion } from './lib/wrk.mjs';

const log = (line) => process.stderr.write(`${line}\n`);
const MARKDOWN = join(ROOT, 'BENCHMARKS.md');
const JSON_OUT = join(ROOT, 'bench', 'results', 'latest.json');
const TEMPLATE = '# Benchmarks\n\nRun `npm run build && npm run bench`; the section below is rewritten by each run.\n';

/** The targets (issue 6). Ratios are to the ceiling measured with the same wrk script around the row. */
const TARGETS = {
  /** client_credentials on SQLite (default log level), share of the ceiling. */
  clientCredentialsCeiling: 0.5,
  /** client_credentials on SQLite, throughput against the faster peer's (drift-corrected, see report.mjs). */
  clientCredentialsPeers: 3,
  /** refresh_token with rotation on SQLite, share of the ceiling. */
  refreshCeiling: 0.3,
  /** client_credentials p99 during a login storm, against the idle p99. */
  stormP99: 2,
};
/** A JWT-protected route must keep this share of the same route's throughput unprotected. */
const PROTECTED_JWT_TARGET = 0.8;

const PEERS = ['oidc-provider', '@node-oauth/oauth2-server'];

function packageVersion(require, name) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function machineInfo(pgVersion, withPeers) {
  const require = createRequire(import.meta.url);
  const commit = commandOutput('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = commandOutput('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']);
  return {
    nproc: availableParallelism(),
    cpu_model: cpuModel(),
    memory_gib: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    wrk: wrkVersion(),
    postgres: pgVersion,
    better_sqlite3: packageVersion(require, 'better-sqlite3'),
    peers: withPeers ? Object.fromEntries(PEERS.map((name) => [name, packageVersion(require, name)])) : undefined,
    git: commit ? `commit ${commit}${dirty ? ' with uncommitted changes in src/' : ''}` : 'unknown commit',
    src_changes: dirty ? dirty.split('\n').map((line) => line.trim()) : [],
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main() {
  installSignalHandlers();
  const opts = settings();
  ensureTools();
  const stale = checkBuild();
  if (stale.length)
    log(
      `bench: warning: ${stale.length} source file(s) newer than dist/ (e.g. ${stale[0]}); run \`npm run build\` first for current numbers`,
    );
  if (availableParallelism() < 2) log('bench: warning: fewer than 2 cores; server and wrk will share a core');

  const parts = new Set(opts.parts);
  // Gatehouse SQLite is the reference of the peer comparison, so `peers` measures it too.
  const plan = [];
  // The password grant runs on a second process of each Gatehouse server, configured as behind a
  // reverse proxy (trusted_proxies), so that its logins come from many addresses (see password.lua).
  const gatehouse = (engine, name, label) =>
    [
      () =>
        startGatehouseTarget({
          engine,
          name,
          label,
          scenarios: opts.scenarios.filter((s) => s !== 'password'),
          opts,
          workDir,
        }),
      () =>
        startGatehouseTarget({
          engine,
          name: `${name}-proxied`,
          reportAs: name,
          label: `${label} (trusted_proxies)`,
          scenarios: ['password'],
          settings: { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1' },
          opts,
          workDir,
        }),
    ].filter((_, i) => (i === 0 ? opts.scenarios.some((s) => s !== 'password') : opts.scenarios.includes('password')));
  if (parts.has('sqlite') || parts.has('peers')) plan.push(...gatehouse('sqlite', REFERENCE, 'Gatehouse SQLite'));
  if (parts.has('sqlite') && opts.scenarios.includes('client_credentials')) {
    // The cost of the request log: client_credentials on a fresh database at log level warn.
    plan.push(() =>
      startGatehouseTarget({
        engine: 'sqlite',
        logLevel: 'warn',
        name: 'gatehouse-sqlite-warn',
        label: 'Gatehouse SQLite, log level warn',
        scenarios: ['client_credentials'],
        opts,
        workDir,
      }),
    );
  }
  if (parts.has('postgres')) plan.push(...gatehouse('postgres', 'gatehouse-postgres', 'Gatehouse PostgreSQL'));
  if (parts.has('peers')) {
    plan.push(() =>
      startOidcProviderTarget({
        name: 'oidc-provider',
        label: 'oidc-provider',
        scenarios: ['client_credentials', 'introspection', 'password'],
        opts,
        workDir,
      }),
    );
    plan.push(() =>
      startOidcProviderTarget({
        adapter: 'map',
        name: 'oidc-provider-map',
        reportAs: 'oidc-provider',
        label: 'oidc-provider (unbounded Map adapter)',
        scenarios: ['refresh_token', 'authorization_code'],
        opts,
        workDir,
      }),
    );
    plan.push(() =>
      startOauth2ServerTarget({
        name: 'oauth2-server',
        label: '@node-oauth/oauth2-server',
        scenarios: SCENARIOS,
        opts,
        workDir,
      }),
    );
    // What Fastify itself costs, beside the ceiling: how much of the gap to a peer is the framework.
    plan.push(() =>
      startFastifyFloorTarget({ name: 'fastify-floor', label: 'Fastify, no work (floor)', opts, workDir }),
    );
  }
  const needsPostgres = parts.has('postgres') || parts.has('scaling');
  const needsCeiling = plan.length > 0 || parts.has('scaling');
  const pgVersion = needsPostgres ? await postgresVersion() : null;
  const workDir = makeTempDir();
  const startedAt = new Date();
  const machine = machineInfo(pgVersion, parts.has('peers')); // before the runs: the code state that was measured
  const builtAt = distStamp();
  const results = [];
  const servers = [];
  log(
    `bench: wrk -t${opts.threads} -c${opts.connections} -d${opts.duration}s (warm-up ${opts.warmup}s), each bracketed by ${opts.ceilingDuration}s ceiling runs; ` +
      `servers on core ${opts.serverCore}, wrk on core ${opts.wrkCore}; measuring: ${[...parts].join(', ')}`,
  );

  // 1. The ceiling runs for the whole benchmark (idle between its runs) so every server run
  //    can be bracketed by ceiling runs with the same wrk script.
  const ceiling = needsCeiling ? await startCeiling({ core: opts.serverCore }) : null;
  if (ceiling) {
    log('bench: node:http ceiling');
    await warmCeiling({
      ceiling,
      opts,
      workDir,
      log,
      scenarios: plan.length ? opts.scenarios : ['client_credentials'],
    });
  }

  // 2. Every server, every scenario it can do (n/a for the others), one server process each.
  for (const start of plan) {
    const target = await start();
    log(`bench: ${target.label}`);
    try {
      for (const scenario of opts.scenarios) {
        const spec = target.scenarios[scenario];
        if (spec) results.push(await measure({ scenario, target, spec, ceiling, opts, workDir, log }));
        else if (target.na[scenario]) log(`  ${scenario}: n/a (${target.na[scenario]})`);
      }
    } catch (error) {
      throw new Error(
        `${error.message}\n${target.label} stderr:\n${readFileSync(target.errFile, 'utf8').slice(-4000)}`,
      );
    } finally {
      await target.stop();
      servers.push({
        name: target.name,
        server: target.reportAs ?? target.name,
        label: target.label,
        engine: target.engine,
        log_level: target.logLevel,
        settings: target.settings ?? {},
        scenarios: Object.keys(target.scenarios),
        na: target.na,
        peak_rss: target.peak_rss,
      });
    }
  }

  // 3. Scaling: 1 → N Gatehouse nodes on one PostgreSQL database.
  let scaling = null;
  if (parts.has('scaling')) {
    log(`bench: scaling, 1 → ${opts.scalingNodes} Gatehouse nodes on PostgreSQL`);
    scaling = await measureScaling({ opts, workDir, log, ceiling });
  }
  const ceilingPeakRss = ceiling ? peakRss(ceiling.pid) : null;
  await ceiling?.stop();

  // 4. The login storm beside client_credentials.
  let storm = null;
  if (parts.has('storm')) {
    log('bench: login storm (Gatehouse SQLite)');
    storm = await measureStorm({ opts, workDir, log });
  }

  // 5. The resource-server middleware: a guarded route against the same route unguarded.
  let protectedApi = null;
  if (parts.has('protected')) {
    log('bench: protected API (gatehouse/resource on Fastify)');
    protectedApi = await measureProtectedRoutes({ opts, workDir, log });
  }

  // 6. Ratios, targets, notes, output.
  compareToReference(results);
  const ceilings = {};
  for (const scenario of SCENARIOS) {
    const runs = [...results, ...(scaling?.configurations ?? [])]
      .filter((r) => r.scenario === scenario)
      .flatMap((r) => [r.ceiling.before.rps, r.ceiling.after.rps]);
    if (runs.length)
      ceilings[scenario] = {
        median_rps: median(runs),
        min_rps: Math.min(...runs),
        max_rps: Math.max(...runs),
        runs: runs.length,
      };
  }
  const find = (scenario, server) => results.find((r) => r.scenario === scenario && r.server === server);
  const inconclusive = (...rows) => rows.some((r) => !r?.valid || r.unsteady);
  const targets = [];
  const ccSqlite = find('client_credentials', REFERENCE);
  if (ccSqlite) {
    targets.push({
      description: `client_credentials on SQLite ≥ ${TARGETS.clientCredentialsCeiling * 100} % of the ceiling`,
      measured: ccSqlite.ratio,
      met: ccSqlite.valid && ccSqlite.ratio >= TARGETS.clientCredentialsCeiling,
      inconclusive: inconclusive(ccSqlite),
    });
    const peers = results.filter(
      (r) => r.scenario === 'client_credentials' && servers.some((s) => s.name === r.process && s.engine === 'memory'),
    );
    if (peers.length) {
      const fastest = peers.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      const measured = ccSqlite.ratio / fastest.ratio;
      const floor = results.find((r) => r.scenario === 'client_credentials' && r.server === 'fastify-floor');
      const bound = floor
        ? `; it would take ${(TARGETS.clientCredentialsPeers * fastest.ratio * 100).toFixed(1)} % of the ceiling, and Fastify doing no work at all reaches ${(floor.ratio * 100).toFixed(1)} %`
        : '';
      targets.push({
        description: `client_credentials on SQLite ≥ ${TARGETS.clientCredentialsPeers}× the faster peer (${fastest.server_label}: ${fastest.rps.toFixed(0)} req/s, ${(fastest.ratio * 100).toFixed(1)} % of its ceiling, vs ${ccSqlite.rps.toFixed(0)} req/s, ${(ccSqlite.ratio * 100).toFixed(1)} %${bound})`,
        measured,
        format: (x) => `×${x.toFixed(2)}`,
        met: ccSqlite.valid && fastest.valid && measured >= TARGETS.clientCredentialsPeers,
        inconclusive: inconclusive(ccSqlite, fastest),
      });
    }
  }
  const refreshSqlite = find('refresh_token', REFERENCE);
  if (refreshSqlite) {
    targets.push({
      description: `refresh_token with rotation on SQLite ≥ ${TARGETS.refreshCeiling * 100} % of the ceiling`,
      measured: refreshSqlite.ratio,
      met: refreshSqlite.valid && refreshSqlite.ratio >= TARGETS.refreshCeiling,
      inconclusive: inconclusive(refreshSqlite),
    });
  }
  if (storm) {
    targets.push({
      description: `client_credentials p99 during a login storm < ${TARGETS.stormP99}× the idle p99 (${storm.storm_p99_ms.toFixed(2)} vs ${storm.idle_p99_ms.toFixed(2)} ms)`,
      measured: storm.ratio,
      format: (x) => `×${x.toFixed(2)}`,
      met: storm.valid && storm.ratio < TARGETS.stormP99,
      inconclusive: !storm.valid,
    });
  }
  if (protectedApi) {
    targets.push({
      description: `a JWT-protected route ≥ ${PROTECTED_JWT_TARGET * 100} % of the same route unprotected`,
      measured: protectedApi.jwt.ratio,
      met: protectedApi.jwt.valid && protectedApi.jwt.ratio >= PROTECTED_JWT_TARGET,
      inconclusive: !protectedApi.jwt.valid,
    });
  }

  const notes = [];
  if (distStamp() !== builtAt) {
    notes.push(
      '**dist/ was rebuilt while this run was going on** (someone ran `npm run build`): the rows may not all measure the same code.',
    );
    log('bench: warning: dist/ changed during the run; the rows may not all measure the same code');
  }
  const warn = find('client_credentials', 'gatehouse-sqlite-warn');
  if (ccSqlite && warn) {
    notes.push(
      `Request log: client_credentials on SQLite reaches ${(ccSqlite.ratio * 100).toFixed(1)} % of the ceiling at log level info (one JSON line per request) ` +
        `and ${(warn.ratio * 100).toFixed(1)} % at warn (${ccSqlite.rps.toFixed(0)} vs ${warn.rps.toFixed(0)} req/s; each on its own fresh database).`,
    );
  }
  if (results.some((r) => r.server.startsWith('oidc-provider') || r.server === 'oauth2-server')) {
    notes.push(
      'The peers keep tokens in process memory (nothing is written anywhere); Gatehouse writes every token to SQLite or PostgreSQL.',
    );
  }

  const knobs = Object.keys(process.env)
    .filter((k) => k.startsWith('BENCH_') && process.env[k] !== '')
    .sort();
  const command = `${knobs.map((k) => `${k}=${process.env[k]} `).join('')}npm run bench`;
  const report = {
    command,
    started_at: startedAt.toISOString(),
    machine,
    settings: opts,
    ceilings,
    ceiling_peak_rss: ceilingPeakRss,
    servers,
    results,
    scaling,
    storm,
    protected_api: protectedApi,
    targets,
    notes,
  };

  if (results.length) {
    process.stdout.write(`\n${textTable(results)}\n\n`);
    for (const server of servers) {
      for (const [scenario, reason] of Object.entries(server.na))
        process.stdout.write(`${scenario} on ${server.label}: n/a (${reason})\n`);
    }
    process.stdout.write(
      `${servers.map((s) => `${s.label}: peak RSS ${s.peak_rss ? (s.peak_rss / 2 ** 20).toFixed(0) : '?'} MiB`).join('; ')}\n`,
    );
  }
  if (Object.keys(ceilings).length) process.stdout.write(`${ceilingLine(ceilings)}\n`);
  if (scaling) process.stdout.write(`\n${scalingLines(scaling).join('\n')}\n`);
  if (storm) process.stdout.write(`\n${stormLines(storm).join('\n')}\n`);
  if (protectedApi) process.stdout.write(`\n${protectedLines(protectedApi).join('\n')}\n\n`);
  for (const line of targetLines(targets)) process.stdout.write(`target ${line}\n`);
  for (const note of notes) process.stdout.write(`${note}\n`);
  writeJson(JSON_OUT, report);
  writeMarkdown(MARKDOWN, markdownSection(report), TEMPLATE);
  process.stdout.write(`\nwrote BENCHMARKS.md (results section) and bench/results/latest.json\n`);

  const invalid = [...results, ...(scaling?.configurations ?? [])]
    .filter((r) => !r.valid)
    .map((r) => `${r.scenario}/${r.server}`);
  if (storm && !storm.valid) invalid.push('storm');
  if (protectedApi && !protectedApi.valid) invalid.push('protected_api');
  if (invalid.length) {
    log(`bench: ${invalid.length} run(s) had errors above 0.1 % and are not valid measurements: ${invalid.join(', ')}`);
    process.exitCode = 1;
  }
}

await runScript('bench', main);
