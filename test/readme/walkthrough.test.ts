/**
 * The README's Quick start and "Walk-through: every grant with curl", run as written
 * (`npm run test:readme`; part of `npm test`, so CI runs it): every ```sh block of those sections,
 * in order, with bash, in a scratch folder that looks like a fresh clone, against the server the
 * blocks themselves start. A README edit that breaks a command, or an answer that no longer matches
 * the JSON the README shows, fails here.
 *
 * How the blocks run:
 * - Each block is one bash script run with `set -e -o pipefail -a`: a failing command fails the
 *   block (its exit status is checked), and every variable it sets (`eval "$(… --env)"`, `TOKENS=…`)
 *   is exported and handed to the next block, as one terminal would keep it. A block must also
 *   write nothing to stderr: `eval "$(command)"` hides the command's exit status, never its message.
 * - A block that is `npm start …` is the first terminal: it runs in the background until the next
 *   such block stops it with SIGINT (Ctrl-C) and takes its place; the test waits for its banner.
 * - A ```json block right after a ```sh block (nothing but blank lines between) is that block's
 *   output: the last JSON object the block printed must have the same keys and the same values,
 *   except that a string with "…" in it is random (any string), and so is a number over 10^9 (a
 *   timestamp: any number).
 * - The port: the README says 8080, which another program (or another test file) may hold here.
 *   `onTestPort` is the one place that changes it: every `8080` in the extracted blocks (the URLs,
 *   `--port 8080`, the expected `iss`) becomes a free port, and GATEHOUSE_PORT is set to it for
 *   the quick start's bare `npm start`. Nothing else of the text is changed.
 * - The clone: the scratch folder holds links to this checkout's package.json, dist/ and
 *   node_modules, so `npm start` runs `node dist/cli/main.js serve` of this build there. `npx
 *   gatehouse` is a shim on PATH that runs the same dist/cli/main.js: npm 11 answers `npx <the
 *   project's own name>` by installing the folder into its _npx cache, running `prepare` (a full
 *   TypeScript build) once per folder path, which here would be every run (11 s, and a cache entry
 *   per run). Other `npx` commands fail: the walk-through uses none.
 *
 * Blocks it does not run, and why:
 * - `npm ci && npm test`: the whole suite, this file included.
 * - `npm ci && ` in front of a command is dropped: the checkout is installed and built already.
 * - A block after `<!-- readme-test: skip: REASON -->`: the reason is in the README (the `CODE=`
 *   a person pastes, which the test has exported itself).
 *
 * Markers (HTML comments, invisible on GitHub) for what a person does that is not a command:
 * - `<!-- readme-test: type-password -->` before a block: it runs in a pseudo-terminal (`script`),
 *   and the test types alice's password at every prompt ending in "Password…: ", as a person would.
 * - `<!-- readme-test: browser: … -->` after a block: the browser steps, done over HTTP with
 *   HttpBrowser: open the last /oauth/authorize URL the block printed, sign in as alice, allow,
 *   and export CODE from the redirect (whose `state` and `iss` are checked too).
 *
 * Docker, systemd, sudo, PostgreSQL and the production install are outside these two sections and
 * never extracted (test/install covers the production install).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { HttpBrowser } from '../helpers/browser-http.js';
import { freePort } from '../helpers/cli.js';
import { atFileEnd } from '../helpers/file-end.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PASSWORD = 'correct horse battery staple';

// --- extraction ------------------------------------------------------------------------------

type Step =
  | { kind: 'sh'; code: string; line: number; expected?: string; typePassword: boolean; skip?: string }
  | { kind: 'browser'; line: number };

/** The README text from `## Quick start` to the first `## ` heading after the walk-through's. */
function walkthroughText(readme: string): { text: string; firstLine: number } {
  const start = readme.indexOf('\n## Quick start\n');
  const walk = readme.indexOf('\n## Walk-through: every grant with curl\n');
  expect(start, 'README has no "## Quick start"').toBeGreaterThan(0);
  expect(walk, 'README has no "## Walk-through: every grant with curl"').toBeGreaterThan(start);
  const end = readme.indexOf('\n## ', walk + 1);
  return { text: readme.slice(start, end < 0 ? undefined : end), firstLine: readme.slice(0, start).split('\n').length };
}

function extractSteps(readme: string): Step[] {
  const { text, firstLine } = walkthroughText(readme);
  const steps: Step[] = [];
  const token = /^```(\w*)\n([\s\S]*?)^```$|^<!-- readme-test: ([\s\S]*?) -->$/gm;
  let pending: { typePassword: boolean; skip?: string } = { typePassword: false };
  let last: { end: number; step?: Extract<Step, { kind: 'sh' }> } = { end: -1 };
  for (const match of text.matchAll(token)) {
    const line = firstLine + text.slice(0, match.index).split('\n').length - 1;
    const [whole, lang, body, marker] = match;
    if (marker !== undefined) {
      if (marker === 'type-password') pending.typePassword = true;
      else if (marker.startsWith('skip: ')) pending.skip = marker.slice('skip: '.length);
      else if (marker.startsWith('browser: ')) steps.push({ kind: 'browser', line });
      else throw new Error(`README line ${line}: unknown marker "${marker}"`);
      last = { end: -1 };
      continue;
    }
    if (lang === 'sh') {
      const step: Step = { kind: 'sh', code: body!, line, ...pending };
      steps.push(step);
      pending = { typePassword: false };
      last = { end: match.index! + whole!.length, step };
    } else if (lang === 'json' && last.step && /^\s*$/.test(text.slice(last.end, match.index))) {
      last.step.expected = body!;
    }
  }
  return steps;
}

/** The one place the README's port 8080 becomes the test's. */
function onTestPort(text: string, port: number): string {
  return text.replaceAll('8080', String(port));
}

// --- comparing JSON loosely -------------------------------------------------------------------

function expectLike(actual: unknown, shown: unknown, path: string): void {
  if (typeof shown === 'string' && shown.includes('…')) return void expect(typeof actual, path).toBe('string');
  if (typeof shown === 'number' && shown > 1e9) return void expect(typeof actual, path).toBe('number');
  if (shown && typeof shown === 'object' && !Array.isArray(shown)) {
    expect(actual && typeof actual === 'object', `${path} is an object`).toBe(true);
    const record = actual as Record<string, unknown>;
    expect(Object.keys(record).sort(), `${path}: the keys`).toEqual(Object.keys(shown).sort());
    for (const [key, value] of Object.entries(shown)) expectLike(record[key], value, `${path}.${key}`);
    return;
  }
  expect(actual, path).toEqual(shown);
}

/** The last line of the output that parses as a JSON object. */
function lastJsonObject(output: string): unknown {
  const lines = output.split(/\r?\n/).filter((line) => line.trim().startsWith('{'));
  for (const line of lines.reverse()) {
    try {
      return JSON.parse(line);
    } catch {
      // not JSON after all
    }
  }
  throw new Error(`no JSON object in the output:\n${output}`);
}

// --- the scratch clone and the shells ----------------------------------------------------------

interface Clone {
  dir: string;
  /** Where block scripts and their saved variables go (outside the clone, so `ls` there shows none). */
  work: string;
  env: Record<string, string>;
}

function makeClone(port: number): Clone {
  const base = mkdtempSync(join(tmpdir(), 'gatehouse-readme-'));
  atFileEnd(() => rmSync(base, { recursive: true, force: true }));
  const dir = join(base, 'gatehouse');
  const work = join(base, 'work');
  const bin = join(base, 'bin');
  for (const folder of [dir, work, bin]) mkdirSync(folder);
  for (const name of ['package.json', 'dist', 'node_modules']) symlinkSync(join(ROOT, name), join(dir, name));
  const npx = join(bin, 'npx');
  writeFileSync(
    npx,
    [
      '#!/bin/sh',
      '# The README test\'s npx: "npx gatehouse" is this checkout\'s CLI; nothing else is fetched.',
      `[ "$1" = gatehouse ] || { echo "readme test: npx $1 is not part of the walk-through" >&2; exit 127; }`,
      'shift',
      `exec node ${JSON.stringify(join(ROOT, 'dist/cli/main.js'))} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(npx, 0o755);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    // A terminal's own settings, not the test runner's: no GATEHOUSE_*, npm or vitest variables.
    if (value === undefined || /^(GATEHOUSE_|npm_|VITEST|NODE_OPTIONS$|TEST$|CI$|BASH_ENV$|ENV$)/.test(name)) continue;
    env[name] = value;
  }
  Object.assign(env, {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? base,
    GATEHOUSE_PORT: String(port),
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
  });
  return { dir, work, env };
}

let counter = 0;

/** The block as a script: errexit, pipefail, every assignment exported, the variables saved at the end. */
function writeScript(clone: Clone, code: string): { script: string; state: string } {
  counter += 1;
  const script = join(clone.work, `block-${counter}.sh`);
  const state = join(clone.work, `block-${counter}.env`);
  writeFileSync(script, `set -e -o pipefail -a\n${code}\nenv -0 > ${JSON.stringify(state)}\n`);
  return { script, state };
}

/** The variables a block left behind, for the next one. */
function readState(state: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of readFileSync(state, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (['_', 'SHLVL', 'PWD', 'OLDPWD'].includes(name)) continue;
    env[name] = entry.slice(eq + 1);
  }
  return env;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBlock(clone: Clone, code: string, typePassword: boolean): Promise<Ran> {
  const { script, state } = writeScript(clone, code);
  // A pseudo-terminal for the blocks that ask for a password: `script` gives bash one.
  const [command, args] = typePassword
    ? ['script', ['-qefc', `bash --norc --noprofile ${JSON.stringify(script)}`, '/dev/null']]
    : ['bash', ['--norc', '--noprofile', script]];
  const child = spawn(command, args as string[], { cwd: clone.dir, env: clone.env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  let answered = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    // Type the password at each new prompt (the CLI's prompts go to the terminal, which is stdout here).
    const prompts = stdout.match(/password[^:\n]*: /gi)?.length ?? 0;
    while (typePassword && answered < prompts) {
      answered += 1;
      child.stdin.write(`${PASSWORD}\r`);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolvePromise) => {
    child.on('close', (exit) => {
      clearTimeout(timer);
      child.stdin.destroy();
      if (exit === 0) Object.assign(clone.env, readState(state));
      resolvePromise({ code: exit, stdout, stderr });
    });
  });
}

interface Server {
  child: ChildProcess;
  output: () => string;
}

/** The first terminal: `npm start …` in the background, in its own process group (Ctrl-C reaches all of it). */
async function startServer(clone: Clone, code: string, previous: Server | undefined): Promise<Server> {
  if (previous) await stopServer(previous);
  const { script } = writeScript(clone, code);
  const child = spawn('bash', ['--norc', '--noprofile', script], {
    cwd: clone.dir,
    env: clone.env,
    stdio: 'pipe',
    detached: true,
  });
  let output = '';
  const stop = atFileEnd(() => stopServer({ child, output: () => output }));
  child.on('exit', stop);
  await new Promise<void>((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner from \`${code.trim()}\` in 20 s:\n${output}`)), 20_000);
    const seen = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Gatehouse is serving')) {
        clearTimeout(timer);
        resolveStart();
      }
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.on('exit', (exit) => {
      clearTimeout(timer);
      reject(new Error(`\`${code.trim()}\` exited (${exit}) before serving:\n${output}`));
    });
  });
  return { child, output: () => output };
}

async function stopServer(server: Server): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  process.kill(-child.pid!, 'SIGINT');
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

// --- the browser steps ---------------------------------------------------------------------------

/** Opens the authorization URL, signs in as alice, clicks Allow; answers the code in the redirect. */
async function authorizeInBrowser(url: string, port: number): Promise<string> {
  const issuer = `http://127.0.0.1:${port}`;
  const browser = new HttpBrowser(issuer);
  const first = await browser.get(url);
  expect(first.status, first.text).toBe(302);
  const login = new URL(first.location!, issuer);
  expect(login.pathname).toBe('/login');
  const signedIn = await browser.signInOrFail('alice', PASSWORD, login.searchParams.get('return_to') ?? undefined);
  const consent = await browser.get(signedIn.location!);
  expect(consent.status, consent.text).toBe(200);
  const allowed = await browser.answerConsent(consent.text, 'allow');
  expect([302, 303]).toContain(allowed.status);
  const callback = new URL(allowed.location!);
  expect(`${callback.origin}${callback.pathname}`).toBe('https://notes.example.com/callback');
  expect(callback.searchParams.get('state')).toBe('af0ifjsldkj');
  expect(callback.searchParams.get('iss')).toBe(issuer);
  const code = callback.searchParams.get('code');
  expect(code).toBeTruthy();
  return code!;
}

// --- the test ------------------------------------------------------------------------------------

let server: Server | undefined;
afterAll(async () => {
  if (server) await stopServer(server);
});

it('runs the Quick start and the walk-through as written, in two terminals', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const port = await freePort();
  const clone = makeClone(port);
  const steps = extractSteps(onTestPort(readme, port));
  let lastStdout = '';
  let ran = 0;
  let compared = 0;
  for (const step of steps) {
    if (step.kind === 'browser') {
      const url = [...lastStdout.matchAll(/https?:\/\/\S+\/oauth\/authorize\?\S+/g)].at(-1)?.[0];
      expect(url, `README line ${step.line}: the block before prints no authorization URL`).toBeTruthy();
      clone.env.CODE = await authorizeInBrowser(url!, port);
      continue;
    }
    const code = step.code.replace(/^npm ci && /gm, '');
    if (step.skip || /^npm test\s*$/.test(code)) continue;
    const where = `README line ${step.line}:\n${step.code}`;
    if (/^npm start\b/.test(code.trim()) && !code.trim().includes('\n')) {
      server = await startServer(clone, code, server);
      ran += 1;
      continue;
    }
    const result = await runBlock(clone, code, step.typePassword);
    const said = `${where}\nexit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    expect(result.code, said).toBe(0);
    expect(result.stderr, said).toBe('');
    if (step.expected !== undefined) {
      expectLike(lastJsonObject(result.stdout), JSON.parse(step.expected), where);
      compared += 1;
    }
    lastStdout = result.stdout;
    ran += 1;
  }
  // The walk-through is more than a few blocks: a broken extraction must not pass by running none.
  expect(ran).toBeGreaterThan(15);
  expect(compared).toBeGreaterThanOrEqual(8);
  expect(readdirSync(clone.dir)).toContain('gatehouse.yaml');
}, 60_000);
