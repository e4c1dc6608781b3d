/**
 * examples/extension-grant as its README runs it: `node examples/extension-grant/server.mjs` as a
 * child process (importing `gatehouse` through the package's exports, so `npm run build` first),
 * the user and the client created with the CLI on the same SQLite file, then the key traded for
 * tokens over HTTP. What is under test is the example script and the package API it uses.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, createUser, freePort, tokenRequest } from '../helpers/server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = resolve(ROOT, 'examples/extension-grant/server.mjs');
const GRANT = 'https://example.com/grants/api-key';
const KEY = 'k-7f3a9c';

describe('examples/extension-grant', () => {
  let dir: string;
  let database: string;
  let url: string;
  let output = '';
  let stop: () => Promise<void>;
  let client: { client_id: string; client_secret: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-extension-example-'));
    database = `sqlite:${join(dir, 'gatehouse.db')}`;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GATEHOUSE_')) env[key] = value;
    const child = spawn(process.execPath, [EXAMPLE], {
      cwd: ROOT,
      env: {
        ...env,
        GATEHOUSE_SUPPORTED_SCOPES: 'read',
        GATEHOUSE_DATABASE: database,
        GATEHOUSE_PORT: String(port),
        GATEHOUSE_MAIL_OUTBOX: join(dir, 'outbox'),
        LEGACY_API_KEYS: `${KEY}=alice`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    await new Promise<void>((ready, fail) => {
      const onData = () => {
        if (!output.includes('listening on')) return;
        child.stdout.off('data', onData);
        ready();
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => fail(new Error(`the example exited with ${code}:\n${output}`)));
    });
    // The README's second terminal.
    await createUser(database, 'alice', 'alice@example.com', 'correct horse battery staple');
    const created = await createClient(
      database,
      ['--name', 'legacy-bridge', '--grant-type', GRANT, '--grant-type', 'refresh_token'],
      { GATEHOUSE_SUPPORTED_SCOPES: 'read' },
    );
    client = { client_id: created.client_id, client_secret: created.client_secret! };
  });

  afterAll(async () => {
    await stop?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const trade = (apiKey: string) =>
    tokenRequest(
      url,
      { grant_type: GRANT, api_key: apiKey, scope: 'read' },
      { basic: [client.client_id, client.client_secret] },
    );

  it('trades the key for an access token and a refresh token for alice', async () => {
    const res = await trade(KEY);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read' });
    expect(typeof res.json.refresh_token).toBe('string');
    // The token is alice's, as a resource server asking introspection learns.
    const api = await createClient(database, ['--name', 'api', '--grant-type', 'client_credentials', '--introspect']);
    const introspected = await fetch(`${url}/oauth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${api.client_id}:${api.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: res.json.access_token }).toString(),
    });
    expect(await introspected.json()).toMatchObject({ active: true, username: 'alice', client_id: client.client_id });
  });

  it('refuses an unknown key with invalid_grant, and never logs the key', async () => {
    const res = await trade('k-wrong');
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'invalid_grant', error_description: 'unknown API key' });
    expect(output).not.toContain(KEY);
  });

  it('keeps the grant to clients registered for it', async () => {
    const other = await createClient(database, ['--name', 'other', '--grant-type', 'client_credentials']);
    const res = await tokenRequest(
      url,
      { grant_type: GRANT, api_key: KEY },
      { basic: [other.client_id, other.client_secret!] },
    );
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('unauthorized_client');
  });
});
