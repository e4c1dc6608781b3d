/**
 * Running a request property against the in-process fixture: materialize, inject (with a
 * deadline), check, and count the answers so each property reports what it reached.
 */
import type { LightMyRequestResponse } from 'fastify';
import type { Fixture } from './fixture.js';
import { Findings } from './invariants.js';
import { materialize, type MaterializeOptions, type RequestSpec, type Sent } from './requests.js';

/** Answers by status (and by baseline), printed after each property: a fuzzer that never reaches a 200 tests little. */
export class Tally {
  private readonly counts = new Map<string, number>();
  /** Malformed answers that did not stop the property; `assertNone()` after it. */
  readonly findings = new Findings();
  constructor(private readonly name: string) {}
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  report(): void {
    const parts = [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}×${n}`);
    console.info(`[fuzz] ${this.name}: ${parts.join(' ')}`);
  }
}

/**
 * Sends one generated request and hands the answer to `check`; an error logged by the server
 * fails the run. Soft findings go to `tally.findings`.
 */
export async function exchange(
  fixture: Fixture,
  spec: RequestSpec,
  check: (sent: Sent, res: LightMyRequestResponse) => void,
  tally: Tally,
  options: MaterializeOptions = {},
): Promise<void> {
  fixture.errorLogs.length = 0;
  const { options: inject, sent } = await materialize(fixture, spec, options);
  const res = await fixture.inject(inject);
  tally.add(String(res.statusCode));
  tally.findings.collect(() => check(sent, res));
  if (fixture.errorLogs.length > 0) {
    throw new Error(`the server logged an error for ${sent.describe()}\n${fixture.errorLogs.slice(0, 3).join('\n')}`);
  }
}
