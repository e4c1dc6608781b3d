/**
 * An invalid metrics.allow stops `gatehouse serve` with exit 2 before it listens, one line naming
 * the key: the built CLI as an operator runs it (moved from test/e2e/metrics.test.ts, whose
 * other tests run in-process).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeResult, lines, runCliProcess } from '../helpers/cli.js';

describe('metrics.allow is validated', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'gatehouse-metrics-config-'));
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it.each([['10.0.0.0/99'], ['example.com']])(
    'serve with GATEHOUSE_METRICS_ALLOW=%s exits 2 before listening, one line naming metrics.allow',
    async (value) => {
      // In a scratch directory: a serve that wrongly went ahead would create ./data there.
      const result = await runCliProcess(['serve', '--port', '0', '--database', 'sqlite:./gatehouse.db'], {
        cwd: scratch,
        env: { GATEHOUSE_METRICS_ALLOW: value },
        timeoutMs: 20_000,
      });
      expect(result.code, describeResult(result)).toBe(2);
      expect(lines(result.stderr), describeResult(result)).toHaveLength(1);
      expect(result.stderr).toMatch(/^gatehouse: .*metrics\.allow/);
      expect(result.stdout).not.toMatch(/serving/);
    },
  );
});
