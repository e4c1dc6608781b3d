#!/usr/bin/env node
// A/B of two builds of Gatehouse on SQLite: alternating rounds (A B, B A, A B, …), each row
// bracketed by ceiling runs like every row of `npm run bench`, so a change can be judged on
// a machine whose speed drifts. Each tree is driven through its own bench/lib and its own
// dist/ (build both first).
//
//   git worktree add /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/ && (cd /tmp/before && npx tsc -p tsconfig.build.json)
//   npm run build && node bench/ab.mjs /tmp/before [.]
//
// AB_ROUNDS (4) rounds, AB_SCENARIOS (client_credentials,refresh_token): any of the Gatehouse
// scenarios but password. The other knobs are bench/run.mjs's (BENCH_DURATION, …); a row is not
// repeated when unsteady: the alternation is what averages the drift out.
import { resolve } from 'node:path';

const [beforeArg, afterArg = '.'] = process.argv.slice(2);
if (!beforeArg) {
  process.stderr.write('usage: node bench/ab.mjs BEFORE_TREE [AFTER_TREE]\n');
  process.exit(2);
}
const [beforeTree, afterTree] = [resolve(beforeArg), resolve(afterArg)];
const rounds = Number(process.env.AB_ROUNDS ?? 4);
const scenarios = (process.env.AB_SCENARIOS ?? 'client_credentials,refresh_token').split(',');

const load = async (tree) => ({
  targets: await import(`${tree}/bench/lib/targets.mjs`),
  measure: await import(`${tree}/bench/lib/measure.mjs`),
  gatehouse: await import(`${tree}/bench/lib/gatehouse.mjs`),
});
const trees = { before: await load(beforeTree), after: await load(afterTree) };
const { installSignalHandlers } = await import(`${afterTree}/bench/lib/proc.mjs`);
installSignalHandlers();
// wrk is installed when missing, as `npm run bench` does.
(await import(`${afterTree}/bench/lib/wrk.mjs`)).ensureTools();

const log = (line) => process.stderr.write(`${line}\n`);
const { measure: lib, gatehouse } = trees.after;
const opts = { ...lib.settings(), retries: 0 };
const workDir = gatehouse.makeTempDir();
const ceiling = await gatehouse.startCeiling({ core: opts.serverCore });
await lib.warmCeiling({ ceiling, opts, workDir, log, scenarios });

const rps = { before: {}, after: {} };
for (let round = 0; round < rounds; round += 1) {
  for (const side of round % 2 ? ['after', 'before'] : ['before', 'after']) {
    const { targets, measure } = trees[side];
    const target = await targets.startGatehouseTarget({
      engine: 'sqlite',
      name: `ab-${side}-${round}`,
      label: side,
      scenarios,
      opts,
      workDir,
    });
    try {
      for (const scenario of scenarios) {
        const row = await measure.measure({
          scenario,
          target,
          spec: target.scenarios[scenario],
          ceiling,
          opts,
          workDir,
          log,
        });
        rps[side][scenario] ??= [];
        rps[side][scenario].push(Math.round(row.rps));
      }
    } finally {
      await target.stop();
    }
  }
}
await ceiling.stop();
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
for (const scenario of scenarios) {
  const [before, after] = [rps.before[scenario], rps.after[scenario]];
  process.stdout.write(
    `${scenario}: before ${before.join(', ')} req/s; after ${after.join(', ')} req/s; means ${((mean(after) / mean(before) - 1) * 100).toFixed(0)} %\n`,
  );
}
process.exit(0);
