/**
 * `gatehouse client registration-token create | list | revoke`: the initial access tokens of client
 * self-registration (RFC 7591 §3), run as `gatehouse` runs them (in this process), on both engines.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, type TestDatabase } from '../helpers/databases.js';
import {
  databaseUrl,
  expectMisuse,
  expectSuccess,
  lines,
  parseJson,
  queryRows,
  runCli,
  type CliResult,
} from '../helpers/cli.js';

interface Created {
  id: string;
  token: string;
  state: string;
  expires_at: string;
  uses: number;
  max_uses: number | null;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');

/** The mode initial access tokens are for: under any other, create warns that a token counts for nothing. */
const MODE = { GATEHOUSE_CLIENT_REGISTRATION_MODE: 'initial_access_token' };

describeEachEngine('gatehouse client registration-token', (factory) => {
  let db: TestDatabase;
  let url: string;
  const cli = (...args: string[]): Promise<CliResult> =>
    runCli(['client', 'registration-token', ...args, '--database', url], { env: MODE });
  const create = async (...args: string[]) => {
    const result = await cli('create', '--json', ...args);
    expectSuccess(result);
    return parseJson<Created>(result);
  };

  beforeAll(async () => {
    db = await factory.createDatabase();
    url = databaseUrl(db.location);
    expectSuccess(await runCli(['migrate', '--database', url]));
  });
  afterAll(() => db?.cleanup());

  it('create prints the token once; only its SHA-256 is stored, with the expiry and the uses allowed', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await cli('create', '--expires', '1d', '--max-uses', '3');
    expectSuccess(result);
    const token = /^token: +(\S+)$/m.exec(result.stdout)?.[1];
    const id = /^id: +(\S+)$/m.exec(result.stdout)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(result.stdout).toMatch(/cannot show it again/);
    const [row] = await queryRows<Record<string, unknown>>(
      db.location,
      'SELECT * FROM initial_access_tokens WHERE id = ?',
      [id],
    );
    expect(row?.token_hash).toBe(sha256(token!));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(Number(row?.max_uses)).toBe(3);
    expect(Number(row?.expires_at) - before).toBeGreaterThanOrEqual(86_400);
    expect(Number(row?.expires_at) - before).toBeLessThanOrEqual(86_400 + 5);
  });

  it('--json gives id, token, state and limits; without --max-uses any number of uses', async () => {
    const created = await create('--expires', '30m');
    expect(created).toMatchObject({
      state: 'active',
      uses: 0,
      max_uses: null,
      token: expect.stringMatching(/^\S{43}$/),
    });
  });

  it('list shows every token and its state, never a token value; revoke stops one', async () => {
    const kept = await create('--expires', '2h');
    const revoked = await create('--expires', '2h', '--max-uses', '1');
    expectSuccess(await cli('revoke', revoked.id));

    const listed = await cli('list', '--json');
    expectSuccess(listed);
    const rows = parseJson<Array<Record<string, unknown>>>(listed);
    expect(rows.find((r) => r.id === kept.id)).toMatchObject({ state: 'active', uses: 0 });
    expect(rows.find((r) => r.id === revoked.id)).toMatchObject({ state: 'revoked', max_uses: 1 });
    const table = await cli('list');
    expectSuccess(table);
    expect(lines(table.stdout)[0]).toMatch(/^ID\s+STATE\s+EXPIRES\s+USES/);
    for (const shown of [listed.stdout, table.stdout]) {
      expect(shown).not.toContain(kept.token);
      expect(shown).not.toContain(revoked.token);
    }
    const [audit] = await queryRows<{ n: number | string }>(
      db.location,
      "SELECT COUNT(*) AS n FROM audit_events WHERE type IN ('registration_token.created', 'registration_token.revoked')",
    );
    expect(Number(audit?.n)).toBeGreaterThanOrEqual(3);
  });

  it('misuse is one line and exit code 2', async () => {
    expectMisuse(await cli('create'), /--expires/);
    expectMisuse(await cli('create', '--expires', 'tomorrow'), /--expires/);
    expectMisuse(await cli('create', '--expires', '400d'), /365d/);
    expectMisuse(await cli('create', '--expires', '0s'), /--expires/);
    expectMisuse(await cli('create', '--expires', '1d', '--max-uses', '0'), /--max-uses/);
    expectMisuse(await cli('create', '--expires', '1d', '--max-uses', 'lots'), /--max-uses/);
    expectMisuse(await cli('revoke', 'no-such-id'), /no-such-id/);
    const twice = await create('--expires', '1h');
    expectSuccess(await cli('revoke', twice.id));
    expectMisuse(await cli('revoke', twice.id), /already revoked/);
  });

  it('create under another client_registration.mode warns that the token counts for nothing (and still issues it)', async () => {
    for (const mode of ['off', 'open']) {
      const result = await runCli(['client', 'registration-token', 'create', '--expires', '1h', '--database', url], {
        env: { GATEHOUSE_CLIENT_REGISTRATION_MODE: mode },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe(
        `warning: client_registration.mode is ${mode}, so POST /oauth/register asks for no initial access token: ` +
          'set it to initial_access_token (and restart the server) for this one to count\n',
      );
      expect(result.stdout).toMatch(/^token: {4}\S{43}$/m);
    }
  });
});
