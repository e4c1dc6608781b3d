/**
 * Run counts and the seed of the fuzz suite, from the environment:
 *
 * - FUZZ_RUNS: the base number of runs per property (default 40, what `npm test` uses;
 *   `npm run fuzz` sets 20× that). Each property scales it by its weight (costly ones run less).
 * - FUZZ_SEED: the seed of every property (default: a fresh one, printed at start). A failure
 *   prints the seed and the shrunk counterexample's path.
 * - FUZZ_PATH: with FUZZ_SEED, replays one failing path (use `-t "<property name>"` to run
 *   only that property).
 */
import fc from 'fast-check';
import { expect } from 'vitest';

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

export const FUZZ_RUNS: number = positiveInteger('FUZZ_RUNS', 40);

function seedFromEnvironment(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`FUZZ_SEED must be an integer, not "${raw}"`);
  return value | 0;
}

export const FUZZ_SEED: number = seedFromEnvironment();
const FUZZ_PATH: string | undefined = process.env.FUZZ_PATH || undefined;

let announced = false;
/** Prints the seed once per test file, so any failure can be replayed. */
export function announceSeed(file: string): void {
  if (announced) return;
  announced = true;
  console.info(
    `[fuzz] ${file}: FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${FUZZ_RUNS}${FUZZ_PATH ? ` FUZZ_PATH=${FUZZ_PATH}` : ''}`,
  );
}

/** Runs of a property: FUZZ_RUNS × weight, at least `min`. */
export function runs(weight = 1, min = 3): number {
  return Math.max(min, Math.round(FUZZ_RUNS * weight));
}

/** Each property's own seed, derived from FUZZ_SEED and its name (so properties do not all draw alike). */
export function seedFor(name: string): number {
  let h = FUZZ_SEED | 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h ^ name.charCodeAt(i), 0x01000193) + 0x9e3779b9) | 0;
  return h;
}

/**
 * fast-check parameters for the property `name`: its seed, the runs, a per-run time limit.
 * fast-check's failure report prints the seed and path; FUZZ_SEED + FUZZ_PATH replay it.
 */
export function fuzzParameters<T>(name: string, weight = 1, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  return {
    seed: seedFor(name),
    numRuns: runs(weight),
    ...(FUZZ_PATH ? { path: FUZZ_PATH } : {}),
    // A run that takes this long is a hang, not slowness (each request also has its own limit).
    timeout: 60_000,
    // Shrinking an async property against a server is slow; a few hundred steps find the core.
    ...extra,
  };
}

/** The vitest timeout for a property of `weight`: generous, runs × a per-run budget. */
export function testTimeout(weight = 1, perRunMs = 400): number {
  return 60_000 + runs(weight) * perRunMs * 3;
}

/**
 * Runs `property` for the current test, `weight` × FUZZ_RUNS times, with a seed derived from
 * FUZZ_SEED and the test's name. On failure the error starts with the command that replays the
 * shrunk counterexample, then fast-check's own report (counterexample, shrinks, cause).
 */
export async function assertProperty<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncPropertyWithHooks<Ts>,
  weight = 1,
): Promise<void> {
  const fullName = (expect.getState().currentTestName ?? 'fuzz').split(' > ').join(' ');
  const details = await fc.check(property, fuzzParameters<Ts>(fullName, weight));
  if (!details.failed) return;
  const pattern = fullName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const replay = `replay: FUZZ_SEED=${FUZZ_SEED} FUZZ_PATH=${details.counterexamplePath ?? ''} npx vitest run test/fuzz -t '${pattern.replace(/'/g, "'\\''")}'`;
  const error = new Error(`${replay}\n${fc.defaultReportMessage(details) ?? 'property failed'}`, {
    cause: details.errorInstance,
  });
  error.name = 'PropertyFailure';
  throw error;
}
