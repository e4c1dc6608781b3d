import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit, argon2Verifier, hashPassword } from './passwords.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('ConcurrencyLimit (argon2id runs a bounded number at a time)', () => {
  it('runs at most `max` tasks at once and starts the waiting ones in arrival order', async () => {
    const limit = new ConcurrencyLimit(2);
    const gates = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    const results = gates.map((gate, i) =>
      limit.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limit.active).toBe(2);

    gates[1]!.resolve();
    await results[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    expect(limit.active).toBe(2);

    for (const gate of gates) gate.resolve();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(limit.active).toBe(0);
  });

  it('a failing task frees its slot for the next one', async () => {
    const limit = new ConcurrencyLimit(1);
    const failing = limit.run(async () => {
      throw new Error('boom');
    });
    const next = limit.run(async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('ran');
    expect(limit.active).toBe(0);
  });

  it('many verifications at once all get the right answers through the limit', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        argon2Verifier.verify(stored, i % 2 === 0 ? 'correct horse battery staple' : 'wrong'),
      ),
    );
    expect(answers).toEqual([true, false, true, false, true, false]);
    expect(await argon2Verifier.verify(null, 'correct horse battery staple')).toBe(false);
  });
});
