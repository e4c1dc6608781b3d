/**
 * examples/notes-api as a user runs it: `node examples/notes-api/server.mjs` as a child process,
 * importing `gatehouse/resource` through the package's own exports (so `npm run build` first),
 * in front of a real Gatehouse — once with opaque tokens and introspection, once with JWTs.
 * The example stays a child process, as a user starts it: what is under test is that script and
 * the package exports it imports. Gatehouse, merely the authorization server it talks to, runs in
 * this process (test/harness).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { freePort, tokenRequest } from '../helpers/server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = resolve(ROOT, 'examples/notes-api/server.mjs');
const SCOPES = { GATEHOUSE_SUPPORTED_SCOPES: 'read write admin' };

interface RunningExample {
  url: string;
  logs(): string;
  stop(): Promise<void>;
}

async function startExample(env: Record<string, string>): Promise<RunningExample> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('GATEHOUSE_') && !key.startsWith('NOTES_')) childEnv[key] = value;
  const child: ChildProcess = spawn(process.execPath, [EXAMPLE], {
    cwd: ROOT,
    env: { ...childEnv, ...env, NOTES_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const example: RunningExample = {
    url: `http://127.0.0.1:${port}`,
    logs: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  // Ready when it logs that it listens (Fastify's "Server listening at …" line), or dead.
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`the example did not start:\n${output}`)), 15_000);
    const check = () => {
      if (output.includes('Server listening at')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        ready();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the example exited with ${code}:\n${output}`));
    });
  });
  return example;
}

async function call(url: string, token?: string, init: RequestInit = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) },
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}

const postNote = (url: string, token: string, text: string) =>
  call(`${url}/notes`, token, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });

/** Gatehouse, a client_credentials client, and a token per scope set. */
async function gatehouseWithClient(env: Record<string, string>, extraClients: string[][] = []) {
  const server = await startTestServer({ env });
  const [service, ...others] = await Promise.all([
    server.createClient(['--name', 'notes-cli', '--grant-type', 'client_credentials']),
    ...extraClients.map((flags) => server.createClient(flags)),
  ]);
  const token = async (scope: string) => {
    const res = await tokenRequest(
      server.url,
      { grant_type: 'client_credentials', scope },
      { basic: [service!.client_id, service!.client_secret!] },
    );
    expect(res.status, res.text).toBe(200);
    return res.json.access_token as string;
  };
  return { server, service: service!, others, token };
}

/** The same checks for either token format. */
function exercisesTheNotesApi(
  context: () => { example: RunningExample; token: (scope: string) => Promise<string>; service: CreatedClient },
) {
  it('serves /health without a token', async () => {
    const { example } = context();
    expect(await call(`${example.url}/health`)).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  it('answers /notes without a token with 401 and a Bearer challenge', async () => {
    const { example } = context();
    const answer = await call(`${example.url}/notes`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(answer.json.error).toBe('missing_token');
    const bad = await call(`${example.url}/notes`, 'forged-token');
    expect(bad.status).toBe(401);
    expect(bad.json.error).toBe('invalid_token');
  });

  it('lets a read token list notes but not add one', async () => {
    const { example, token } = context();
    const reader = await token('read');
    expect(await call(`${example.url}/notes`, reader)).toMatchObject({ status: 200, json: [] });
    const refused = await postNote(example.url, reader, 'hello');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(refused.headers.get('www-authenticate')).toContain('scope="write"');
  });

  it('lets a write token add a note that a read token then sees', async () => {
    const { example, token, service } = context();
    const created = await postNote(example.url, await token('write'), 'buy milk');
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ text: 'buy milk', author: service.client_id });
    const listed = await call(`${example.url}/notes`, await token('read'));
    expect(listed.json.map((note: { text: string }) => note.text)).toEqual(['buy milk']);
    expect((await postNote(example.url, await token('write'), '')).status).toBe(400);
  });

  it('names scopes SCOPE_<scope> in roles: a token with the scope admin does not carry ROLE_ADMIN', async () => {
    const { example, token, service } = context();
    const answer = await call(`${example.url}/whoami`, await token('read admin'));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      sub: service.client_id,
      clientId: service.client_id,
      scopes: ['read', 'admin'],
      roles: ['SCOPE_read', 'SCOPE_admin'],
    });
    expect(answer.json.roles).not.toContain('ROLE_ADMIN');
  });
}

describe('examples/notes-api with opaque tokens (introspection)', () => {
  let server: TestServer;
  let example: RunningExample;
  let token: (scope: string) => Promise<string>;
  let service: CreatedClient;

  beforeAll(async () => {
    let others: CreatedClient[];
    ({ server, service, others, token } = await gatehouseWithClient(SCOPES, [
      ['--name', 'notes-api', '--introspect', '--grant-type', 'client_credentials'],
    ]));
    const [notesApi] = others;
    example = await startExample({
      GATEHOUSE_ISSUER: server.url,
      NOTES_CLIENT_ID: notesApi!.client_id,
      NOTES_CLIENT_SECRET: notesApi!.client_secret!,
    });
  });
  afterAll(async () => {
    await example?.stop();
    await server?.close();
  });

  exercisesTheNotesApi(() => ({ example, token, service }));

  it('never logs a token', async () => {
    const secret = await token('read');
    await call(`${example.url}/notes`, secret);
    expect(example.logs()).toContain('opaque tokens by introspection');
    expect(example.logs()).not.toContain(secret);
  });
});

describe('examples/notes-api with JWT access tokens', () => {
  let server: TestServer;
  let example: RunningExample;
  let token: (scope: string) => Promise<string>;
  let service: CreatedClient;

  beforeAll(async () => {
    const env = {
      ...SCOPES,
      GATEHOUSE_ACCESS_TOKEN_FORMAT: 'jwt',
      GATEHOUSE_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    ({ server, service, token } = await gatehouseWithClient(env));
    example = await startExample({ GATEHOUSE_ISSUER: server.url });
  });
  afterAll(async () => {
    await example?.stop();
    await server?.close();
  });

  exercisesTheNotesApi(() => ({ example, token, service }));

  it('refuses an opaque-looking token when it has no introspection credentials', async () => {
    const answer = await call(`${example.url}/notes`, 'not-a-jwt');
    expect(answer.status).toBe(401);
    expect(answer.json.error_description).toBe('this API accepts JWT access tokens only');
  });
});
