// One result row = one server measured on one scenario for BENCH_DURATION seconds, bracketed by
// two shorter runs of the bare node:http ceiling with the same wrk script, right before and
// right after it.
//
// Why brackets: this machine is a VM whose speed drifts by tens of percent over minutes (other
// virtual machines on the host; invisible from inside, no steal time is reported), so a ceiling
// measured once at the start says little about the speed of the machine five minutes later.
// Each row's ratio is to the mean of its own two brackets; their spread ("drift") says how
// steady the machine was meanwhile. Programs inside this machine (other people's test runs)
// are visible in /proc: the script waits for them to go quiet before each attempt.
// An attempt with drift above BENCH_MAX_DRIFT or other programs above BENCH_MAX_BACKGROUND is
// repeated (BENCH_RETRIES times at most) and the steadiest attempt is kept.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSampler, waitForIdle, waitForQuiet } from './cpu.mjs';
import { readTokens, runWrk } from './wrk.mjs';

/** Errors above this share of the requests make a run invalid ("~0 errors"). */
export const MAX_ERROR_RATE = 0.001;

/** The ceiling is reached with a dummy client; it only checks that Authorization is there. */
export const CEILING_AUTHORIZATION = 'Basic Y2VpbGluZzpzZWNyZXQ=';

/** The scenarios, in the order they are run and reported. */
export const SCENARIOS = [
  'client_credentials',
  'refresh_token',
  'introspection',
  'authorization_code',
  // The same code flow with scope=openid and a nonce: the answer carries an ID token (RS256).
  'authorization_code_openid',
  'password',
  'device_code',
  'token_exchange',
];

/** The wrk script of each scenario (the ceiling brackets use the same one). */
export const SCRIPTS = {
  client_credentials: 'token.lua',
  refresh_token: 'refresh.lua',
  introspection: 'token.lua',
  authorization_code: 'code.lua',
  authorization_code_openid: 'code.lua',
  password: 'password.lua',
  device_code: 'device.lua',
  token_exchange: 'token.lua',
};

/** Where the ceiling answers each scenario. */
const CEILING_PATHS = { introspection: '/oauth/introspect' };

/** What BENCH_ONLY may name (several, comma-separated). */
export const ONLY_VALUES = ['sqlite', 'postgres', 'protected', 'peers', 'scaling', 'storm'];

/** First guess of a server's code-redemption rate, before any of its runs: sizes the first batch of codes. */
const CODE_RATE_GUESS = 2000;

export function settings(env = process.env) {
  const int = (name, fallback, min = 1) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min)
      throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
    return Number(raw);
  };
  const fraction = (name, fallback) => {
    const value = Number(env[name] ?? fallback);
    if (!(value >= 0)) throw new Error(`${name} must be a number ≥ 0, e.g. ${fallback}`);
    return value;
  };
  const only = (env.BENCH_ONLY ?? '').trim().toLowerCase();
  const parts = only
    ? only
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    : [];
  for (const part of parts) {
    if (!ONLY_VALUES.includes(part))
      throw new Error(
        `BENCH_ONLY must be one or more (comma-separated) of ${ONLY_VALUES.join(', ')}; got "${env.BENCH_ONLY}"`,
      );
  }
  const connections = int('BENCH_CONNECTIONS', 32);
  const threads = int('BENCH_THREADS', 1);
  if (threads > connections) throw new Error('BENCH_THREADS must not exceed BENCH_CONNECTIONS');
  const retries = int('BENCH_RETRIES', 2, 0);
  // Minted afresh for the warm-up and for each attempt. Each run needs one token per connection
  // at any time; the rest only spreads the rotations over more token families.
  const refreshTokens = int('BENCH_REFRESH_TOKENS', Math.max(64, 5 * connections));
  if (refreshTokens < 2 * connections + threads) {
    throw new Error(
      `BENCH_REFRESH_TOKENS (${refreshTokens}) must be at least 2 × BENCH_CONNECTIONS + BENCH_THREADS (${2 * connections + threads})`,
    );
  }
  const scalingNodes = int('BENCH_SCALING_NODES', 3);
  if (scalingNodes > connections)
    throw new Error('BENCH_SCALING_NODES must not exceed BENCH_CONNECTIONS (each node gets its own wrk)');
  const duration = int('BENCH_DURATION', 10);
  const scenarios = (env.BENCH_SCENARIOS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of scenarios)
    if (!SCENARIOS.includes(name))
      throw new Error(`BENCH_SCENARIOS must name some of ${SCENARIOS.join(', ')}; got "${env.BENCH_SCENARIOS}"`);
  return {
    /** The scenarios every server runs (of those it can): BENCH_SCENARIOS, by default all. */
    scenarios: scenarios.length ? scenarios : SCENARIOS.slice(),
    duration,
    ceilingDuration: int('BENCH_CEILING_DURATION', Math.max(3, Math.round(duration / 2))),
    warmup: int('BENCH_WARMUP', 3, 0),
    connections,
    threads,
    refreshTokens,
    only: only || null,
    parts: parts.length ? parts : ONLY_VALUES.slice(),
    scalingNodes,
    stormConnections: int('BENCH_STORM_CONNECTIONS', 8),
    serverCore: int('BENCH_SERVER_CORE', 1, 0),
    wrkCore: int('BENCH_WRK_CORE', 0, 0),
    maxBackground: fraction('BENCH_MAX_BACKGROUND', 0.15),
    maxDrift: fraction('BENCH_MAX_DRIFT', 0.1),
    retries,
    quietWait: int('BENCH_QUIET_WAIT', 60, 0),
  };
}

/** Errors of a wrk result: every non-200 response, socket errors, and (refresh) a 200 without a new token. */
export function errorsOf(wrk) {
  const non200 = Object.entries(wrk.statuses).reduce((n, [status, count]) => (status === '200' ? n : n + count), 0);
  const socket = Object.values(wrk.socket_errors).reduce((a, b) => a + b, 0);
  const missing = wrk.extra.missing_token ?? 0;
  return {
    total: non200 + socket + missing,
    non200,
    socket,
    missing_token: missing,
    pool_empty: wrk.extra.pool_empty ?? 0,
  };
}

const pct = (x) => `${(x * 100).toFixed(0)} %`;

/** A wrk result reduced to what the report needs. */
export function summarise(wrk, cpu) {
  const seconds = wrk.duration_us / 1e6;
  const errors = errorsOf(wrk);
  return {
    requests: wrk.requests,
    duration_s: seconds,
    rps: wrk.requests / seconds,
    latency_ms: Object.fromEntries(Object.entries(wrk.latency_us).map(([k, v]) => [k, v / 1000])),
    errors,
    error_rate: wrk.requests ? errors.total / wrk.requests : 1,
    valid: wrk.requests > 0 && errors.total / wrk.requests <= MAX_ERROR_RATE && errors.pool_empty === 0,
    statuses: wrk.statuses,
    socket_errors: wrk.socket_errors,
    cpu,
    wrk_command: wrk.command,
    ...(wrk.nodes ? { nodes: wrk.nodes } : {}),
  };
}

/** The wrk environment of a ceiling run shaped like `scenario` (with the body of `spec`, if any). */
function ceilingEnv(scenario, spec, workDir, opts) {
  const env = { ...(spec?.env ?? {}), BENCH_AUTHORIZATION: CEILING_AUTHORIZATION };
  if (scenario === 'introspection') env.BENCH_BODY ??= `token=${randomBytes(32).toString('base64url')}`;
  if (scenario === 'password' && !env.BENCH_USERS_FILE) {
    env.BENCH_USERS_FILE = join(workDir, 'ceiling.users');
    writeFileSync(
      env.BENCH_USERS_FILE,
      `${Array.from({ length: 32 }, (_, i) => `bench-user-${i + 1}\tbench-${randomBytes(12).toString('hex')}`).join('\n')}\n`,
    );
  }
  if (scenario === 'refresh_token' || scenario.startsWith('authorization_code') || scenario === 'device_code') {
    env.BENCH_TOKENS_IN = join(workDir, `ceiling.${scenario}.tokens`);
    writeFileSync(
      env.BENCH_TOKENS_IN,
      `${Array.from({ length: opts.connections * 4 }, () => randomBytes(32).toString('base64url')).join('\n')}\n`,
    );
    delete env.BENCH_TOKENS_OUT;
  }
  if (scenario === 'device_code') env.BENCH_CODE_REUSE = '1';
  if (scenario.startsWith('authorization_code')) {
    env.BENCH_CODE_REUSE = '1'; // the ceiling remembers no code: cycle a few instead of minting one per request
    env.BENCH_REDIRECT_URI ??= encodeURIComponent('https://client.example/cb');
    env.BENCH_CODE_VERIFIER ??= randomBytes(32).toString('base64url');
  }
  return env;
}

/** Runs wrk against the ceiling with the scenario's script. */
async function ceilingRun({ scenario, spec, ceiling, opts, workDir, duration }) {
  const sample = cpuSampler(ceiling.pid);
  const wrk = await runWrk({
    url: `${ceiling.url}${CEILING_PATHS[scenario] ?? '/oauth/token'}`,
    script: SCRIPTS[scenario],
    threads: opts.threads,
    connections: opts.connections,
    core: opts.wrkCore,
    duration,
    env: ceilingEnv(scenario, spec, workDir, opts),
  });
  return summarise(wrk, sample());
}

/** Warms the ceiling server up with every scenario's script (JIT), results discarded. */
export async function warmCeiling({ ceiling, opts, workDir, log, scenarios = SCENARIOS }) {
  if (opts.warmup === 0) return;
  for (const scenario of scenarios) {
    log(`  ceiling ${scenario}: warm-up ${opts.warmup}s`);
    await ceilingRun({ scenario, ceiling, opts, workDir, duration: opts.warmup });
  }
}

/**
 * Warm-up, then attempts of [ceiling, server, ceiling].
 *
 * `target` is the server (name, label, engine, log level, url, pid — an array for several
 * processes); `spec` its setup for this scenario: `path`, `env` for the wrk script, and for the
 * scenarios that use up what they present, `pool` ('refresh' or 'code') and `mint(count)`, which
 * returns that many fresh refresh tokens (new token families) or authorization codes. Tokens
 * are minted before the warm-up and before every attempt (never during a measured run), so
 * attempts start alike: a rotation's cost may grow with its family's length. Codes are minted
 * for the rate the server reached last time, with a margin; a run that still runs out of codes
 * (pool_empty) is invalid and repeated with more. `spec.run(duration, env)`, when given, replaces
 * the single wrk run (the scaling run's wrk per node).
 */
export async function measure({ scenario, target, spec, ceiling, opts, workDir, log = () => {} }) {
  const tag = `${scenario}-${target.name}`;
  const base = {
    url: `${target.url}${spec.path}`,
    script: SCRIPTS[scenario],
    threads: opts.threads,
    connections: opts.connections,
    core: opts.wrkCore,
  };
  const runOnce = spec.run ?? ((duration, env) => runWrk({ ...base, duration, env }));
  let step = 0;
  let codeRate = CODE_RATE_GUESS; // codes per second the server redeemed last time (a lower bound if it ran out)

  /** Mints the pool (if the scenario has one) and returns a function that runs wrk on it. */
  const prepareRun = async (duration) => {
    let poolEnv = {};
    let minted = null;
    if (spec.pool) {
      const count =
        spec.pool === 'refresh' ? opts.refreshTokens : Math.ceil(codeRate * duration * 1.5) + 4 * opts.connections;
      const mintStart = Date.now();
      const tokens = await spec.mint(count);
      log(
        `  ${tag}: minted ${tokens.length} ${spec.pool === 'refresh' ? 'refresh tokens (new token families)' : 'single-use codes'} in ${((Date.now() - mintStart) / 1000).toFixed(1)} s`,
      );
      minted = tokens.length;
      poolEnv = { BENCH_TOKENS_IN: join(workDir, `${tag}.tokens.${++step}`) };
      if (spec.pool === 'refresh') poolEnv.BENCH_TOKENS_OUT = join(workDir, `${tag}.tokens.${step}.left`);
      writeFileSync(poolEnv.BENCH_TOKENS_IN, `${tokens.join('\n')}\n`);
    }
    return async () => {
      const sample = cpuSampler(target.pid);
      const wrk = await runOnce(duration, { ...spec.env, ...poolEnv });
      const cpu = sample();
      await waitForIdle(target.pid); // slow requests (logins) leave work queued: not on the next ceiling run's time
      if (spec.pool === 'code') {
        const redeemed = (wrk.statuses['200'] ?? 0) / (wrk.duration_us / 1e6);
        codeRate = Math.max(1, wrk.extra.pool_empty ? 2 * redeemed : redeemed);
      }
      const left = spec.pool === 'refresh' ? readTokens(poolEnv.BENCH_TOKENS_OUT).length : wrk.extra.tokens_left;
      return { wrk, cpu, pool: spec.pool ? { kind: spec.pool, minted, left_unused: left ?? null } : undefined };
    };
  };

  let warmup = null;
  if (opts.warmup > 0) {
    const runWarmup = await prepareRun(opts.warmup);
    log(`  ${tag}: warm-up ${opts.warmup}s`);
    warmup = (await runWarmup()).wrk;
  }

  const attempts = [];
  let refills = 0;
  for (let attempt = 0; ; attempt++) {
    const runServer = await prepareRun(opts.duration); // mints first: that work must not overlap the measurement
    if (opts.quietWait > 0)
      await waitForQuiet({ threshold: opts.maxBackground * 0.66, maxMs: opts.quietWait * 1000, log });
    log(
      `  ${tag}: ceiling ${opts.ceilingDuration}s, ${target.label} ${opts.duration}s, ceiling ${opts.ceilingDuration}s${attempt ? ` (attempt ${attempt + 1})` : ''}`,
    );
    const before = await ceilingRun({ scenario, spec, ceiling, opts, workDir, duration: opts.ceilingDuration });
    const run = await runServer();
    const after = await ceilingRun({ scenario, spec, ceiling, opts, workDir, duration: opts.ceilingDuration });
    const server = summarise(run.wrk, run.cpu);
    const ceilingRps = (before.rps + after.rps) / 2;
    const drift = Math.abs(before.rps - after.rps) / ceilingRps;
    const background = Math.max(before.cpu.background, server.cpu.background, after.cpu.background);
    attempts.push({
      server,
      before,
      after,
      ceilingRps,
      ratio: server.rps / ceilingRps,
      drift,
      background,
      pool: run.pool,
    });
    log(
      `  ${tag}: ${server.rps.toFixed(0)} req/s (p99 ${server.latency_ms.p99.toFixed(1)} ms, errors ${server.errors.total}, server CPU ${pct(server.cpu.server_cpu)}) ` +
        `vs ceiling ${before.rps.toFixed(0)} → ${after.rps.toFixed(0)} req/s = ${pct(server.rps / ceilingRps)}; ` +
        `drift ${pct(drift)}, other programs ${pct(background)} of a core`,
    );
    if (server.errors.pool_empty > 0 && refills < 2) {
      // Not the machine's fault: the codes ran out. Mint more (for twice the rate seen) and repeat.
      refills += 1;
      attempts.pop();
      log(`  ${tag}: ran out of codes (${server.errors.pool_empty} requests without one); minting more and repeating`);
      attempt -= 1;
      continue;
    }
    const steady = drift <= opts.maxDrift && background <= opts.maxBackground;
    if (steady || attempt >= opts.retries) break;
    log(
      `  ${tag}: unsteady (drift limit ${pct(opts.maxDrift)}, other programs limit ${pct(opts.maxBackground)}); repeating`,
    );
  }
  // The steadiest attempt: the smallest of drift and background, each against its limit.
  const score = (a) => Math.max(a.drift / (opts.maxDrift || 1), a.background / (opts.maxBackground || 1));
  const best = attempts.reduce((a, b) => (score(b) < score(a) ? b : a));
  const { server } = best;
  const result = {
    scenario,
    server: target.reportAs ?? target.name,
    process: target.name,
    server_label: target.label,
    engine: target.engine,
    log_level: target.logLevel ?? null,
    ...server,
    ceiling: {
      rps: best.ceilingRps,
      before: {
        rps: best.before.rps,
        latency_ms: best.before.latency_ms,
        errors: best.before.errors.total,
        cpu: best.before.cpu,
      },
      after: {
        rps: best.after.rps,
        latency_ms: best.after.latency_ms,
        errors: best.after.errors.total,
        cpu: best.after.cpu,
      },
    },
    ratio: best.ratio,
    drift: best.drift,
    background: best.background,
    unsteady: best.drift > opts.maxDrift || best.background > opts.maxBackground,
    attempts: attempts.map((a) => ({
      rps: a.server.rps,
      ceiling_before: a.before.rps,
      ceiling_after: a.after.rps,
      ratio: a.ratio,
      drift: a.drift,
      background: a.background,
      kept: a === best,
    })),
    pool: best.pool,
    warmup: warmup
      ? { requests: warmup.requests, rps: warmup.requests / (warmup.duration_us / 1e6), errors: errorsOf(warmup).total }
      : null,
  };
  result.valid = server.valid && best.before.valid && best.after.valid;
  if (!result.valid || server.errors.total) {
    log(
      `  ${tag}: errors ${server.errors.total}${result.valid ? '' : ' (INVALID)'}: statuses ${JSON.stringify(server.statuses)} socket ${JSON.stringify(server.socket_errors)}`,
    );
  }
  return result;
}
