// The servers under test, each with what every scenario needs (wrk path and environment, and
// how to mint the refresh tokens or codes it uses up), or why it cannot do a scenario ("n/a").
//
// A target: { name, label, engine, logLevel, url, pid, scenarios: { [scenario]: spec }, na: {
// [scenario]: reason }, setup: prose for the report, stop() } — see measure() for `spec`.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { peakRss } from './cpu.mjs';
import {
  gatehouseLogin,
  mintApprovedDeviceCodes,
  mintCodesByAuthorize,
  peerLogin,
  pkcePair,
  refreshTokensByCodes,
  refreshTokensByPassword,
  tokenRequest,
} from './flows.mjs';
import {
  ROOT,
  basicAuthorization,
  createClient,
  createUser,
  createUsers,
  postgresDatabase,
  sqliteDatabase,
  startGatehouse,
  writeUsersFile,
} from './gatehouse.mjs';
import { freePort, startProcess, waitForHttp } from './proc.mjs';

export const REDIRECT_URI = 'https://client.example/cb';
/** Codes are minted before a run and must outlive it (Gatehouse's default is 30 s): 10 minutes on every server. */
const CODE_LIFETIME = 600;

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** The device-code runs' server settings: see startGatehouseTarget. */
const DEVICE_POOL_SETTINGS = {
  GATEHOUSE_DEVICE_FLOW_MAX_PENDING_PER_CLIENT: '1000000',
  GATEHOUSE_DEVICE_FLOW_REQUESTS_PER_ADDRESS: '1000000',
  GATEHOUSE_DEVICE_FLOW_EXPIRES_IN: '86400',
};

const secret = () => randomBytes(32).toString('base64url');
const form = (params) => new URLSearchParams(params).toString();

/** Wraps a started process: stop() records its peak RSS (VmHWM) first. */
function stoppable(target, proc) {
  target.pid = proc.pid;
  target.stop = async () => {
    target.peak_rss = peakRss(proc.pid);
    await proc.stop();
  };
  return target;
}

/** How many users the password-grant runs log in, in turn: about one login per user in flight at a time. */
export const userCount = (opts) => Math.max(16, opts.connections, opts.stormConnections);

/** The PKCE pair and code-redemption environment shared by the servers' authorization_code specs. */
function codeScenario(path, authorization, mintWith) {
  const pkce = pkcePair();
  return {
    path,
    pool: 'code',
    env: {
      BENCH_AUTHORIZATION: authorization,
      BENCH_REDIRECT_URI: encodeURIComponent(REDIRECT_URI),
      BENCH_CODE_VERIFIER: pkce.verifier,
    },
    mint: (count) => mintWith(count, pkce),
  };
}

/**
 * Gatehouse as a user runs it (`node dist/cli/main.js serve`), on a fresh SQLite file or
 * PostgreSQL database, with clients and a user registered by the CLI: "bench" (client_credentials,
 * password, refresh_token), "bench-web" (authorization_code and refresh_token, one redirect URI,
 * --trusted: no consent page) and "bench-rs" (--introspect, a resource server).
 * auth_code_lifetime is 600 s (see CODE_LIFETIME); every other setting is the default, unless
 * `settings` (environment) says otherwise. For the password scenario, userCount(opts) more
 * users are created (see createUsers). `reportAs`: the server the rows belong to in the report
 * when this process is a second one of the same server.
 */
export async function startGatehouseTarget({
  engine,
  logLevel = 'info',
  name,
  label,
  reportAs,
  scenarios,
  settings = {},
  opts,
  workDir,
}) {
  const database = engine === 'sqlite' ? sqliteDatabase(workDir, name) : await postgresDatabase();
  const client = await createClient(database);
  const web = scenarios.some((scenario) => scenario.startsWith('authorization_code'))
    ? await createClient(database, {
        name: 'bench-web',
        grantTypes: ['authorization_code', 'refresh_token'],
        extraArgs: ['--redirect-uri', REDIRECT_URI, '--trusted'],
      })
    : null;
  const rs = scenarios.includes('introspection')
    ? await createClient(database, {
        name: 'bench-rs',
        grantTypes: ['client_credentials'],
        extraArgs: ['--introspect'],
      })
    : null;
  const device = scenarios.includes('device_code')
    ? await createClient(database, { name: 'bench-device', grantTypes: [DEVICE_CODE_GRANT] })
    : null;
  const exchanger = scenarios.includes('token_exchange')
    ? await createClient(database, {
        name: 'bench-exchange',
        grantTypes: [TOKEN_EXCHANGE_GRANT],
        extraArgs: ['--may-impersonate'],
      })
    : null;
  const user = await createUser(database);
  const users = scenarios.includes('password') ? await createUsers(database, userCount(opts)) : null;
  const server = await startGatehouse({
    database,
    core: opts.serverCore,
    logLevel,
    logDir: workDir,
    label: name,
    settings: {
      GATEHOUSE_AUTH_CODE_LIFETIME: String(CODE_LIFETIME),
      // The device-code pool is minted by the tens of thousands from one address and client, and
      // must outlive the runs: limits a real fleet of devices would never meet together.
      ...(device ? DEVICE_POOL_SETTINGS : {}),
      ...settings,
    },
  });
  const tokenUrl = `${server.url}/oauth/token`;
  const target = {
    name,
    label,
    reportAs,
    engine,
    logLevel,
    url: server.url,
    errFile: server.errFile,
    database,
    settings,
    na: {},
    scenarios: {},
  };
  stoppable(target, server);
  try {
    const cc = await tokenRequest(tokenUrl, client.authorization, { grant_type: 'client_credentials' });
    let cookie = null;
    const codeFlow = (extra = {}) =>
      codeScenario('/oauth/token', web.authorization, async (count, pkce) => {
        cookie ??= await gatehouseLogin(server.url, user);
        return mintCodesByAuthorize({
          url: server.url,
          cookie,
          clientId: web.id,
          redirectUri: REDIRECT_URI,
          challenge: pkce.challenge,
          count,
          extra,
        });
      });
    const specs = {
      client_credentials: () => ({
        path: '/oauth/token',
        env: { BENCH_AUTHORIZATION: client.authorization, BENCH_BODY: 'grant_type=client_credentials' },
      }),
      refresh_token: () => ({
        path: '/oauth/token',
        pool: 'refresh',
        env: { BENCH_AUTHORIZATION: client.authorization },
        mint: (count) => refreshTokensByPassword({ tokenUrl, authorization: client.authorization, user, count }),
      }),
      introspection: () => ({
        path: '/oauth/introspect',
        env: { BENCH_AUTHORIZATION: rs.authorization, BENCH_BODY: form({ token: cc.access_token }) },
      }),
      authorization_code: () => codeFlow(),
      // The same with scope=openid: each redemption also reads the sign-in behind the code and signs an ID token.
      authorization_code_openid: () => codeFlow({ scope: 'openid', nonce: 'bench-nonce' }),
      password: () => ({
        path: '/oauth/token',
        env: {
          BENCH_AUTHORIZATION: client.authorization,
          BENCH_USERS_FILE: writeUsersFile(join(workDir, `${name}.users`), users),
        },
      }),
      device_code: () => ({
        path: '/oauth/token',
        pool: 'code',
        env: { BENCH_AUTHORIZATION: device.authorization },
        mint: (count) => mintApprovedDeviceCodes({ url: server.url, database, client: device, user, count }),
      }),
      token_exchange: async () => {
        // A user's access token (from the password grant), exchanged for another (impersonation).
        const params = { grant_type: 'password', username: user.username, password: user.password };
        const subject = await tokenRequest(tokenUrl, client.authorization, params);
        return {
          path: '/oauth/token',
          env: {
            BENCH_AUTHORIZATION: exchanger.authorization,
            BENCH_BODY: form({
              grant_type: TOKEN_EXCHANGE_GRANT,
              subject_token: subject.access_token,
              subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
            }),
          },
        };
      },
    };
    for (const scenario of scenarios) target.scenarios[scenario] = await specs[scenario]();
  } catch (error) {
    await target.stop();
    throw error;
  }
  return target;
}

/** Starts a peer server script pinned to `core`, its output in files, and waits for `health`. */
async function startPeer({ label, script, args, config, core, workDir, health }) {
  const out = openSync(join(workDir, `${label}.out`), 'w');
  const err = openSync(join(workDir, `${label}.err`), 'w');
  const proc = startProcess(
    label,
    'taskset',
    ['-c', String(core), process.execPath, join(ROOT, 'bench', 'peers', script), ...args.map(String)],
    {
      stdio: ['ignore', out, err],
      env: { ...process.env, BENCH_PEER_CONFIG: JSON.stringify(config) },
      cwd: workDir,
    },
  );
  closeSync(out);
  closeSync(err);
  try {
    for (const url of health) await waitForHttp(url, proc);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { proc, errFile: join(workDir, `${label}.err`) };
}

/**
 * oidc-provider (bench/peers/oidc-provider.mjs): adapter 'default' (its in-memory LRU adapter)
 * or 'map' (unbounded, for the authorization_code scenario: see the peer's comments).
 */
export async function startOidcProviderTarget({
  adapter = 'default',
  name,
  label,
  reportAs,
  scenarios,
  opts,
  workDir,
}) {
  const port = await freePort();
  const controlPort = await freePort();
  const config = {
    client: { id: 'bench', secret: secret() },
    resourceServer: { id: 'bench-rs', secret: secret() },
    redirectUri: REDIRECT_URI,
  };
  const url = `http://127.0.0.1:${port}`;
  const control = `http://127.0.0.1:${controlPort}`;
  const { proc, errFile } = await startPeer({
    label: name,
    script: 'oidc-provider.mjs',
    args: [port, controlPort, adapter],
    config,
    core: opts.serverCore,
    workDir,
    health: [`${control}/healthz`, `${url}/.well-known/openid-configuration`],
  });
  const authorization = basicAuthorization(config.client.id, config.client.secret);
  const rsAuthorization = basicAuthorization(config.resourceServer.id, config.resourceServer.secret);
  const tokenUrl = `${url}/token`;
  const mintCodes = async (count, challenge) => {
    const query = new URLSearchParams({ count: String(count), code_challenge: challenge, redirect_uri: REDIRECT_URI });
    const response = await fetch(`${control}/codes?${query}`, { method: 'POST' });
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`oidc-provider code minting answered ${response.status}: ${text.slice(0, 2000)}`);
    return text.split('\n').filter(Boolean);
  };
  const target = { name, label, reportAs, engine: 'memory', logLevel: null, url, errFile, na: {}, scenarios: {} };
  stoppable(target, proc);
  try {
    const specs = {
      client_credentials: () => ({
        path: '/token',
        env: { BENCH_AUTHORIZATION: authorization, BENCH_BODY: 'grant_type=client_credentials' },
      }),
      refresh_token: () => {
        const pkce = pkcePair();
        return {
          path: '/token',
          pool: 'refresh',
          env: { BENCH_AUTHORIZATION: authorization },
          mint: async (count) =>
            refreshTokensByCodes({
              tokenUrl,
              authorization,
              codes: await mintCodes(count, pkce.challenge),
              redirectUri: REDIRECT_URI,
              verifier: pkce.verifier,
            }),
        };
      },
      introspection: async () => {
        const cc = await tokenRequest(tokenUrl, authorization, { grant_type: 'client_credentials' });
        return {
          path: '/token/introspection',
          env: { BENCH_AUTHORIZATION: rsAuthorization, BENCH_BODY: form({ token: cc.access_token }) },
        };
      },
      authorization_code: () =>
        codeScenario('/token', authorization, (count, pkce) => mintCodes(count, pkce.challenge)),
    };
    for (const scenario of scenarios) {
      if (scenario === 'password') target.na.password = 'oidc-provider has no password grant';
      else if (!specs[scenario]) target.na[scenario] = `oidc-provider: ${scenario} not set up in this bench`;
      else target.scenarios[scenario] = await specs[scenario]();
    }
  } catch (error) {
    await target.stop();
    throw error;
  }
  return target;
}

/** @node-oauth/oauth2-server behind express (bench/peers/oauth2-server.mjs). */
export async function startOauth2ServerTarget({ name, label, scenarios, opts, workDir }) {
  const port = await freePort();
  const users = Array.from({ length: userCount(opts) }, (_, i) => ({
    username: `bench-user-${String(i + 1).padStart(4, '0')}`,
    password: `bench-${randomBytes(12).toString('hex')}`,
  }));
  const [user] = users;
  const config = { client: { id: 'bench', secret: secret() }, users, redirectUri: REDIRECT_URI };
  const url = `http://127.0.0.1:${port}`;
  const { proc, errFile } = await startPeer({
    label: name,
    script: 'oauth2-server.mjs',
    args: [port],
    config,
    core: opts.serverCore,
    workDir,
    health: [`${url}/healthz`],
  });
  const authorization = basicAuthorization(config.client.id, config.client.secret);
  const tokenUrl = `${url}/oauth/token`;
  const target = { name, label, engine: 'memory', logLevel: null, url, errFile, na: {}, scenarios: {} };
  stoppable(target, proc);
  const specs = {
    client_credentials: () => ({
      path: '/oauth/token',
      env: { BENCH_AUTHORIZATION: authorization, BENCH_BODY: 'grant_type=client_credentials' },
    }),
    refresh_token: () => ({
      path: '/oauth/token',
      pool: 'refresh',
      env: { BENCH_AUTHORIZATION: authorization },
      mint: (count) => refreshTokensByPassword({ tokenUrl, authorization, user, count }),
    }),
    authorization_code: () => {
      let cookie = null;
      return codeScenario('/oauth/token', authorization, async (count, pkce) => {
        cookie ??= await peerLogin(url, user);
        return mintCodesByAuthorize({
          url,
          cookie,
          clientId: config.client.id,
          redirectUri: REDIRECT_URI,
          challenge: pkce.challenge,
          count,
        });
      });
    },
    password: () => ({
      path: '/oauth/token',
      env: {
        BENCH_AUTHORIZATION: authorization,
        BENCH_USERS_FILE: writeUsersFile(join(workDir, `${name}.users`), users),
      },
    }),
  };
  const missing = {
    introspection: 'no introspection endpoint (RFC 7662)',
    device_code: 'no device authorization grant (RFC 8628)',
    token_exchange: 'no token exchange (RFC 8693)',
    authorization_code_openid: 'no OpenID Connect',
  };
  for (const scenario of scenarios) {
    if (specs[scenario]) target.scenarios[scenario] = specs[scenario]();
    else target.na[scenario] = `@node-oauth/oauth2-server has ${missing[scenario] ?? `no ${scenario}`}`;
  }
  return target;
}

/**
 * Fastify doing nothing but the ceiling's answer (bench/peers/fastify-floor.mjs): not a server
 * to pick, but what any server built on Fastify pays at least; client_credentials only.
 */
export async function startFastifyFloorTarget({ name, label, opts, workDir }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { proc, errFile } = await startPeer({
    label: name,
    script: 'fastify-floor.mjs',
    args: [port],
    config: {},
    core: opts.serverCore,
    workDir,
    health: [`${url}/healthz`],
  });
  const target = { name, label, engine: 'floor', logLevel: null, url, errFile, na: {}, scenarios: {} };
  stoppable(target, proc);
  target.scenarios.client_credentials = {
    path: '/oauth/token',
    env: { BENCH_AUTHORIZATION: basicAuthorization('floor', 'floor'), BENCH_BODY: 'grant_type=client_credentials' },
  };
  return target;
}
