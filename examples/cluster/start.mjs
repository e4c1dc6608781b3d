#!/usr/bin/env node
/**
 * Three `gatehouse serve` nodes on one PostgreSQL database behind a round-robin proxy, on this
 * machine: the scale-out recipe of README.md, runnable.
 *
 *   npm run build
 *   createdb gatehouse_cluster          # the script creates no database: give it one
 *   node examples/cluster/start.mjs postgres://postgres@127.0.0.1:5432/gatehouse_cluster
 *
 * The database URL comes from the first argument, else GATEHOUSE_DATABASE_URL (or
 * GATEHOUSE_DATABASE). Without one the script stops: it never creates or picks a database by
 * itself. Options:
 *
 *   --port N          the proxy's port (default 8080); the nodes listen on N+1, N+2, N+3
 *   --node-ports A,B,C  the nodes' ports instead
 *   --nodes K         how many nodes (default 3)
 *   --issuer URL      the issuer every node publishes (default: the proxy's URL)
 *   --config FILE     a Gatehouse config file, given to every node and to `migrate`
 *
 * Every other setting comes from the GATEHOUSE_* environment, the same for every node, e.g.
 *   GATEHOUSE_ACCESS_TOKEN_FORMAT=jwt GATEHOUSE_KEY_ENCRYPTION_KEY="$(openssl rand -base64 32)"
 * (keep that key: the signing keys in the database are encrypted with it).
 *
 * What it does: runs `gatehouse migrate` once, then starts the nodes with --no-migrate, all
 * with the same issuer and trusted_proxies=127.0.0.1 (the proxy), waits for each node's
 * /healthz, and serves the proxy (./proxy.mjs). Node logs are printed with a [nodeN] prefix
 * (successful health checks left out).
 * Ctrl-C (or SIGTERM) stops the proxy first (requests in flight finish), then every node
 * (SIGTERM: each finishes its requests and closes its database pool), then exits; a second
 * Ctrl-C kills the nodes at once.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createProxy } from './proxy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '../../dist/cli/main.js');
const HEALTH_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

const say = (message) => console.log(`[cluster] ${message}`);
function usageError(message) {
  console.error(`[cluster] ${message}`);
  console.error(
    'usage: node examples/cluster/start.mjs postgres://USER@HOST:PORT/DATABASE [--port 8080] [--node-ports A,B,C] [--nodes 3] [--issuer URL] [--config FILE]',
  );
  process.exit(2);
}

function parseArguments(argv) {
  const options = { port: 8080, nodes: 3, nodePorts: null, issuer: undefined, config: undefined, database: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) usageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--port') options.port = Number(value());
    else if (arg === '--nodes') options.nodes = Number(value());
    else if (arg === '--node-ports') options.nodePorts = value().split(',').map(Number);
    else if (arg === '--issuer') options.issuer = value();
    else if (arg === '--config') options.config = value();
    else if (arg === '--database') options.database = value();
    else if (!arg.startsWith('-') && options.database === undefined) options.database = arg;
    else usageError(`unknown argument ${arg}`);
  }
  options.database ??= process.env.GATEHOUSE_DATABASE_URL ?? process.env.GATEHOUSE_DATABASE;
  if (!options.database)
    usageError(
      'no database: give a PostgreSQL URL as the first argument or in GATEHOUSE_DATABASE_URL (this script creates none)',
    );
  if (!/^postgres(?:ql)?:\/\//.test(options.database)) {
    usageError('the nodes must share a PostgreSQL database (postgres://…): SQLite is for one machine');
  }
  if (!Number.isInteger(options.nodes) || options.nodes < 1) usageError('--nodes must be a positive integer');
  options.nodePorts ??= Array.from({ length: options.nodes }, (_, i) => options.port + 1 + i);
  if (options.nodePorts.length !== options.nodes && argv.includes('--node-ports'))
    options.nodes = options.nodePorts.length;
  for (const port of [options.port, ...options.nodePorts]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) usageError(`invalid port ${port}`);
  }
  options.issuer ??= process.env.GATEHOUSE_ISSUER ?? `http://127.0.0.1:${options.port}`;
  // The nodes sign ID tokens with keys stored encrypted in the shared database: one key for all.
  if (!process.env.GATEHOUSE_KEY_ENCRYPTION_KEY && !options.config)
    usageError(
      'set GATEHOUSE_KEY_ENCRYPTION_KEY, the same for every node (e.g. export GATEHOUSE_KEY_ENCRYPTION_KEY="$(openssl rand -base64 32)"), and keep it',
    );
  return options;
}

/** Prints each line of a child's output with a prefix (`skip` leaves some out). */
function prefixLines(stream, prefix, sink, skip = () => false) {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    if (!skip(line)) sink.write(`${prefix} ${line}\n`);
  });
}

/** The proxy asks every node for GET /healthz every 2 s: the answers that say "ok" are noise. */
const HEALTHY_CHECK = /"method":"GET","path":"\/healthz","status":200\b/;
const isHealthyCheck = (line) => HEALTHY_CHECK.test(line);

/** The database URL without its password, for messages. */
function redacted(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function runOnce(args, env) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    prefixLines(child.stdout, `[${args[0]}]`, process.stdout);
    prefixLines(child.stderr, `[${args[0]}]`, process.stderr);
    child.once('error', reject);
    child.once('close', (code) => resolveRun(code));
  });
}

const sleep = (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

async function waitHealthy(node) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (node.exited)
      throw new Error(`${node.name} exited during start-up (code ${node.exited.code}); see its output above`);
    try {
      const answer = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await answer.arrayBuffer();
      // (Checked again: an answer from a port some other program holds does not count.)
      if (answer.status === 200 && !node.exited) return;
    } catch {
      // not listening yet
    }
    await sleep(150);
  }
  throw new Error(`${node.name} did not answer GET /healthz with 200 within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (!existsSync(CLI)) usageError(`${CLI} does not exist: run \`npm run build\` first`);

  const env = {
    ...process.env,
    // The proxy connects from loopback: its X-Forwarded-For names the client (rate limits).
    GATEHOUSE_TRUSTED_PROXIES: process.env.GATEHOUSE_TRUSTED_PROXIES ?? '127.0.0.1',
  };
  const common = ['--database', options.database, ...(options.config ? ['--config', options.config] : [])];

  say(`database ${redacted(options.database)}; issuer ${options.issuer}`);
  // Once, before any node starts (the nodes then skip it with --no-migrate).
  const migrated = await runOnce(['migrate', ...common], env);
  if (migrated !== 0) {
    console.error(`[cluster] gatehouse migrate failed (exit ${migrated}); nothing started`);
    process.exit(1);
  }

  const nodes = options.nodePorts.map((port, i) => ({
    name: `node${i + 1}`,
    port,
    url: `http://127.0.0.1:${port}`,
    exited: null,
    child: null,
  }));
  let stopping = false;
  let serving = false;
  for (const node of nodes) {
    // Own process group: Ctrl-C reaches this script only, which stops the proxy before the nodes.
    node.child = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        '--no-migrate',
        '--host',
        '127.0.0.1',
        '--port',
        String(node.port),
        '--issuer',
        options.issuer,
        ...common,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    prefixLines(node.child.stdout, `[${node.name}]`, process.stdout, isHealthyCheck);
    prefixLines(node.child.stderr, `[${node.name}]`, process.stderr);
    node.stopped = new Promise((resolveExit) =>
      node.child.once('exit', (code, signal) => {
        node.exited = { code, signal };
        if (serving && !stopping)
          say(`${node.name} exited (code ${code}, signal ${signal}); the proxy sends its requests to the other nodes`);
        resolveExit(node.exited);
      }),
    );
  }
  // Should this script die some other way, take the nodes along.
  process.once('exit', () => {
    for (const node of nodes) if (!node.exited) node.child.kill('SIGTERM');
  });

  const proxy = createProxy({ upstreams: nodes.map((node) => node.url) });

  const stopAll = async (signal, failure = false) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping the proxy, then the nodes`);
    await proxy.close().catch(() => {});
    await Promise.all(
      nodes.map(async (node) => {
        if (node.exited) return;
        node.child.kill('SIGTERM');
        const timer = setTimeout(() => node.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await node.stopped;
        clearTimeout(timer);
      }),
    );
    const failed = nodes.filter((node) => node.exited?.code !== 0 && node.exited?.signal !== 'SIGTERM');
    say(failed.length ? `stopped; ${failed.map((node) => node.name).join(', ')} did not exit cleanly` : 'stopped');
    process.exit(failed.length || failure ? 1 : 0);
  };
  const onSignal = (signal) => {
    if (!stopping) return void stopAll(signal);
    // A second Ctrl-C: do not wait any longer (the nodes are in their own process groups, so
    // they would not get this one themselves).
    say(`${signal} again: killing the nodes`);
    for (const node of nodes) if (!node.exited) node.child.kill('SIGKILL');
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    await Promise.all(nodes.map(waitHealthy));
  } catch (error) {
    console.error(`[cluster] ${error.message}`);
    await stopAll('start-up failure', true);
    return;
  }
  if (stopping) return;
  try {
    await proxy.listen(options.port, '127.0.0.1');
  } catch (error) {
    console.error(`[cluster] the proxy cannot listen on 127.0.0.1:${options.port}: ${error.message}`);
    await stopAll('start-up failure', true);
    return;
  }
  serving = true;
  say(
    `ready: http://127.0.0.1:${options.port} → ${nodes.map((node) => `${node.name} :${node.port}`).join(', ')} (issuer ${options.issuer})`,
  );
  say(
    'register a client: npx gatehouse client create --name my-service --grant-type client_credentials --database <the same URL>',
  );
  say('Ctrl-C stops everything');
}

main().catch((error) => {
  console.error(`[cluster] ${error.stack ?? error.message}`);
  process.exit(1);
});
