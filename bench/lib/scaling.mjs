// The scaling run: client_credentials on 1, 2 … BENCH_SCALING_NODES Gatehouse nodes sharing one
// PostgreSQL database. Each configuration is a row like any other (warm-up, then
// [ceiling, nodes, ceiling], repeated when unsteady), so configurations measured minutes apart
// are compared through their ratios to the ceiling.
//
// Spreading the load: wrk has no way to send one run's requests to several hosts (its Lua
// request() can build any request, but every connection goes to the one address wrk resolved
// at start), so each active node gets its own wrk process, all started together for the same
// duration, and their counts are summed. The connections are split between them
// (BENCH_CONNECTIONS in total, whatever the number of nodes): only the number of nodes changes.
// The latency percentiles reported for a configuration are the slowest node's (separate wrk
// histograms cannot be merged); each node's own numbers are in the JSON.
//
// Pinning: every node on the server core, every wrk on the load generator's core, PostgreSQL
// unpinned — as in the other rows. On this 2-core machine that leaves the nodes one core to
// share: what more nodes can win here is only the time a single node spends waiting for
// PostgreSQL, not more CPU. The report says so.
import { peakRss } from './cpu.mjs';
import { createClient, postgresDatabase, startGatehouse } from './gatehouse.mjs';
import { measure } from './measure.mjs';
import { runWrk } from './wrk.mjs';

/** Splits `total` connections over `n` wrk processes as evenly as possible. */
function split(total, n) {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/** One wrk-shaped result from several simultaneous wrk runs (one per node). */
function merge(runs) {
  const sum = (pick) => runs.reduce((total, run) => total + pick(run), 0);
  const mergeCounts = (pick) => {
    const merged = {};
    for (const run of runs)
      for (const [key, value] of Object.entries(pick(run))) merged[key] = (merged[key] ?? 0) + value;
    return merged;
  };
  const max = (key) => Math.max(...runs.map((run) => run.latency_us[key]));
  const requests = sum((run) => run.requests);
  return {
    duration_us: Math.max(...runs.map((run) => run.duration_us)),
    requests,
    bytes: sum((run) => run.bytes),
    socket_errors: mergeCounts((run) => run.socket_errors),
    status_errors: sum((run) => run.status_errors),
    statuses: mergeCounts((run) => run.statuses),
    latency_us: {
      min: Math.min(...runs.map((run) => run.latency_us.min)),
      mean: requests ? sum((run) => run.latency_us.mean * run.requests) / requests : 0,
      stdev: max('stdev'),
      max: max('max'),
      p50: max('p50'),
      p90: max('p90'),
      p99: max('p99'),
      p999: max('p999'),
    },
    extra: {},
    command: runs.map((run) => run.command).join(' & '),
    nodes: runs.map((run) => ({
      requests: run.requests,
      rps: run.requests / (run.duration_us / 1e6),
      latency_ms: { p50: run.latency_us.p50 / 1000, p99: run.latency_us.p99 / 1000 },
      statuses: run.statuses,
    })),
  };
}

export async function measureScaling({ opts, workDir, log, ceiling }) {
  const database = await postgresDatabase();
  const client = await createClient(database);
  const nodes = [];
  const configurations = [];
  try {
    // One after the other: the first applies the migrations.
    for (let i = 1; i <= opts.scalingNodes; i++) {
      nodes.push(
        await startGatehouse({
          database,
          core: opts.serverCore,
          logLevel: 'info',
          logDir: workDir,
          label: `scaling-node${i}`,
        }),
      );
    }
    const env = { BENCH_AUTHORIZATION: client.authorization, BENCH_BODY: 'grant_type=client_credentials' };
    for (let n = 1; n <= nodes.length; n++) {
      const active = nodes.slice(0, n);
      const connections = split(opts.connections, n);
      const target = {
        name: `gatehouse-postgres-${n}-node${n > 1 ? 's' : ''}`,
        label: `${n} Gatehouse node${n > 1 ? 's' : ''} (PostgreSQL)`,
        engine: 'postgres',
        logLevel: 'info',
        url: active[0].url,
        pid: active.map((node) => node.pid),
      };
      const spec = {
        path: '/oauth/token',
        env,
        run: async (duration, runEnv) =>
          merge(
            await Promise.all(
              active.map((node, i) =>
                runWrk({
                  url: `${node.url}/oauth/token`,
                  script: 'token.lua',
                  threads: Math.min(opts.threads, connections[i]),
                  connections: connections[i],
                  duration,
                  core: opts.wrkCore,
                  env: runEnv,
                }),
              ),
            ),
          ),
      };
      log(`bench: scaling, ${n} node${n > 1 ? 's' : ''} (wrk connections ${connections.join(' + ')})`);
      const result = await measure({ scenario: 'client_credentials', target, spec, ceiling, opts, workDir, log });
      configurations.push({ ...result, node_count: n, connections });
    }
  } finally {
    for (const node of nodes) node.peak_rss = peakRss(node.pid);
    await Promise.allSettled(nodes.map((node) => node.stop()));
  }
  const one = configurations[0];
  for (const c of configurations) {
    c.vs_one_node = one ? c.ratio / one.ratio : null; // drift-corrected: ratios to each run's own ceiling brackets
    c.vs_one_node_raw = one ? c.rps / one.rps : null;
  }
  return {
    configurations,
    peak_rss: nodes.map((node) => node.peak_rss ?? null),
    pinning: { nodes_core: opts.serverCore, wrk_core: opts.wrkCore, postgres: 'not pinned' },
  };
}
