/**
 * examples/device-client as a user runs it: `node examples/device-client/device-client.mjs ISSUER
 * CLIENT_ID` as a child process against an in-process Gatehouse (test/harness). The test reads the
 * code it prints, approves (or denies) it through the /device page over HTTP, and reads what the
 * script prints. Gatehouse runs on the real clock here with interval 1: the script's own waits are
 * what RFC 8628 asks of it, not pauses of the test.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { answerDevice, DEVICE_CODE_GRANT } from '../helpers/device-flow.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE = resolve(ROOT, 'examples/device-client/device-client.mjs');
const PASSWORD = 'correct horse battery staple';

/** Runs the script; `onCode` is called with the user code once it prints the "Go to" line. */
function runExample(args: string[], onCode: (userCode: string) => Promise<void>) {
  const child = spawn(process.execPath, [EXAMPLE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let answered: Promise<void> | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const code = /^Go to \S+ and enter ([A-Z]{4}-[A-Z]{4})$/m.exec(stdout)?.[1];
    if (code && !answered) answered = onCode(code);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => {
      Promise.resolve(answered).then(() => done({ code, stdout, stderr }), fail);
    });
  });
}

describe('examples/device-client [sqlite]', () => {
  let server: TestServer;
  let client: CreatedClient;

  beforeAll(async () => {
    server = await startTestServer({
      clock: systemClock,
      env: { GATEHOUSE_SUPPORTED_SCOPES: 'read' },
      config: {
        device_flow: {
          expires_in: 60,
          interval: 1,
          max_pending_per_client: 10,
          requests_per_address: 100,
          user_code_failure_alert: 100,
        },
      },
    });
    client = await server.createClient([
      '--public',
      '--grant-type',
      DEVICE_CODE_GRANT,
      '--grant-type',
      'refresh_token',
    ]);
    await server.createUser('sam', 'sam@example.com', PASSWORD);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('prints where to go and the code, polls, and prints the tokens once the code is approved', async () => {
    const run = await runExample([server.url, client.client_id, 'read'], async (userCode) => {
      const { answer } = await answerDevice(server.url, userCode, { username: 'sam', password: PASSWORD }, 'allow');
      expect(answer.status).toBe(200);
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Go to ${server.url}/device and enter [A-Z]{4}-[A-Z]{4}$`, 'm'));
    const tokens = JSON.parse(run.stdout.slice(run.stdout.indexOf('Tokens:') + 'Tokens:'.length));
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'read', expires_in: 3600 });
    expect(typeof tokens.refresh_token).toBe('string');
  });

  it('says no tokens and exits 1 when the code is denied', async () => {
    const run = await runExample([server.url, client.client_id], async (userCode) => {
      await answerDevice(server.url, userCode, { username: 'sam', password: PASSWORD }, 'deny');
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no tokens: access_denied/);
  });
});
