/**
 * The production install (README, "Production install"), checked without Docker, which CI does not have:
 *
 * 1. A clean copy of the repository (`git ls-files`: what a clone holds, plus new files git does not
 *    ignore), where the prepare script builds nothing and succeeds without the dev dependencies (so
 *    `npm ci --omit=dev` cannot fail), and `npm pack` refuses to pack without them.
 * 2. The Dockerfile's build stage on that copy, filtered through .dockerignore: its COPY and RUN steps,
 *    read from the Dockerfile. `npm pack` on the result gives the tarball.
 * 3. The runtime stage, assembled from its COPY lines and started as ENTRYPOINT + CMD with the image's
 *    ENV (the volume a temporary folder), on SQLite; and the commands of compose.yaml on PostgreSQL.
 * 4. The tarball installed with --omit=dev into an empty folder, as the README's systemd section
 *    does: `npx gatehouse serve`, and the unit's ExecStart against that layout.
 *
 * Cost (one install of the lock, one build, one install of the tarball): the packages come from npm's
 * cache, without install scripts. The only one is better-sqlite3's, which compiles SQLite when no
 * prebuilt binary can be downloaded (none can here): a minute of CPU each time. Its binary is copied
 * from this checkout's node_modules instead, which holds the same version built for the same Node.
 * The Dockerfile itself runs `npm ci` with scripts, as a user's `docker build` does. Measured: about
 * 40 s of CPU in all (the install of the lock and `tsc` some 11 s each), 60 to 75 s of wall on two busy
 * cores. The checks of the files alone (Dockerfile, compose.yaml, the unit, prepare.mjs) need no install.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { loadConfig } from '../../src/config/load.js';
import { atFileEnd } from '../helpers/file-end.js';
import { canBind, freePort } from '../helpers/cli.js';
import { createPostgresDatabase, skipPostgres } from '../helpers/databases.js';
import {
  dockerignore,
  envPairs,
  execForm,
  healthcheck,
  instructionsOf,
  parseDockerfile,
  type Stage,
} from './dockerfile.js';
import { cleanEnv, killGroup, run, runOk, startServer } from './processes.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const readRepo = (path: string) => readFileSync(join(root, path), 'utf8');
const packageJson = JSON.parse(readRepo('package.json')) as {
  version: string;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const readme = readRepo('README.md');

const stages = parseDockerfile(readRepo('Dockerfile'));
const [buildStage, runtimeStage] = stages as [Stage, Stage];
const single = (stage: Stage, keyword: string) => {
  const found = instructionsOf(stage, keyword);
  if (found.length !== 1) throw new Error(`the ${stage.name ?? 'runtime'} stage has ${found.length} ${keyword}`);
  return found[0]!.value;
};
const imageEnv = Object.assign(
  {},
  ...instructionsOf(runtimeStage, 'ENV').map(({ value }) => envPairs(value)),
) as Record<string, string>;
const volume = (() => {
  const value = single(runtimeStage, 'VOLUME');
  return value.startsWith('[') ? execForm(value)[0]! : value;
})();
const imageCommand = [...execForm(single(runtimeStage, 'ENTRYPOINT')), ...execForm(single(runtimeStage, 'CMD'))];
const imageHealthcheck = healthcheck(single(runtimeStage, 'HEALTHCHECK'));
const defaults = configSchema.parse({});
/** serve.ts: requests in flight get this long after SIGTERM (SHUTDOWN_GRACE_MS). */
const SERVER_GRACE_SECONDS = 10;

describe('the Dockerfile', () => {
  it('builds in one stage and runs in another: the slim image of the same Debian and Node major', () => {
    expect(stages).toHaveLength(2);
    expect(buildStage.name).toBe('build');
    const runtimeImage = /^node:(\d+)-(\w+)-slim$/.exec(runtimeStage.image);
    expect(runtimeImage, runtimeStage.image).not.toBeNull();
    // The native modules built in the build stage must load in the runtime one.
    expect(buildStage.image).toBe(`node:${runtimeImage![1]}-${runtimeImage![2]}`);
    expect(Number(runtimeImage![1])).toBeGreaterThanOrEqual(20);
  });

  it('runs as a user without privileges, who owns the data volume and nothing else', () => {
    const user = single(runtimeStage, 'USER');
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    // The runtime stage's only RUN gives the volume to that user.
    expect(instructionsOf(runtimeStage, 'RUN').map(({ value }) => value)).toEqual([
      `mkdir ${volume} && chown ${user} ${volume}`,
    ]);
    const order = runtimeStage.instructions.map(({ keyword }) => keyword);
    expect(order.indexOf('USER')).toBeGreaterThan(order.lastIndexOf('RUN'));
    expect(order.indexOf('USER')).toBeLessThan(order.indexOf('ENTRYPOINT'));
  });

  it('keeps the database on the volume and listens on every interface of the container, on the exposed port', () => {
    expect(volume).toBe('/data');
    expect(imageEnv.GATEHOUSE_DATABASE_URL).toMatch(new RegExp(`^sqlite:${volume}/[\\w.-]+\\.db$`));
    // The default host, 127.0.0.1, cannot be reached from outside the container.
    expect(defaults.host).toBe('127.0.0.1');
    expect(imageEnv.GATEHOUSE_HOST).toBe('0.0.0.0');
    expect(single(runtimeStage, 'EXPOSE')).toBe(String(imageEnv.GATEHOUSE_PORT ?? defaults.port));
  });

  it('runs node itself in the exec form (no npm, no shell), so SIGTERM reaches the server; HEALTHCHECK without curl', () => {
    expect(imageCommand.slice(0, 2)).toEqual(['node', 'dist/cli/main.js']);
    expect(imageCommand[2]).toBe('serve');
    expect(instructionsOf(runtimeStage, 'STOPSIGNAL').map(({ value }) => value)).toEqual([]);
    expect(imageHealthcheck.command[0]).toBe('node');
    expect(imageHealthcheck.command.join(' ')).toContain('/healthz');
    // Docker stops a container after --timeout: the server answers /healthz in milliseconds.
    expect(imageHealthcheck.options).toMatchObject({ interval: expect.any(String), timeout: expect.any(String) });
  });

  it('.dockerignore keeps secrets, local data and build output out of the build context, and the sources in', () => {
    const ignored = dockerignore(readRepo('.dockerignore'));
    for (const path of [
      '.env',
      '.git/config',
      'data/gatehouse.db',
      'data/gatehouse.db.kek',
      'data/outbox/1.eml',
      'gatehouse.db',
      'elsewhere/gatehouse.db-wal',
      'secret.kek',
      'node_modules/pg/package.json',
      'dist/index.js',
      'gatehouse-0.1.0.tgz',
      'test/cli/serve.test.ts',
    ]) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['package.json', 'package-lock.json', 'scripts/prepare.mjs', 'tsconfig.json', 'src/index.ts']) {
      expect(ignored(path), path).toBe(false);
    }
  });
});

// --- package.json's prepare and prepack -----------------------------------------------------------

describe('scripts/prepare.mjs (npm prepare and prepack)', () => {
  /**
   * Runs the script in a checkout with the dev dependencies (this one's node_modules) and a leftover
   * file in dist/, as npm would for `npm_command`; the `npm run build` it starts is recorded, not run.
   */
  async function prepareIn(npmCommand: string, args: string[] = []) {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-prepare-'));
    atFileEnd(() => rmSync(dir, { recursive: true, force: true }));
    for (const file of [
      'package.json',
      'tsconfig.build.json',
      'scripts/prepare.mjs',
      'src/index.ts',
      'dist/stale.js',
    ]) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), file.startsWith('dist/') ? '' : readRepo(file));
    }
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const recorder = join(dir, 'record.mjs');
    writeFileSync(
      recorder,
      "import { appendFileSync } from 'node:fs';\nappendFileSync(process.env.RECORD, process.argv.slice(2).join(' ') + '\\n');\n",
    );
    const record = join(dir, 'record.txt');
    const env = cleanEnv({ npm_execpath: recorder, npm_command: npmCommand, RECORD: record });
    const result = await run(process.execPath, ['scripts/prepare.mjs', ...args], { cwd: dir, env });
    return {
      code: result.code,
      builds: existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean) : [],
      distKept: existsSync(join(dir, 'dist', 'stale.js')),
    };
  }

  it('builds dist/ after `npm ci` or `npm install` on a development install (`npm ci && npm start` on a fresh clone)', async () => {
    expect(packageJson.scripts.prepare).toBe('node scripts/prepare.mjs');
    expect(await prepareIn('ci')).toEqual({ code: 0, builds: ['run build'], distKept: true });
    expect(await prepareIn('install')).toEqual({ code: 0, builds: ['run build'], distKept: true });
  });

  it('on `npm pack`, prepack empties dist/ and builds once; prepare, which npm runs next, does nothing', async () => {
    expect(packageJson.scripts.prepack).toBe('node scripts/prepare.mjs --pack');
    expect(await prepareIn('pack', ['--pack'])).toEqual({ code: 0, builds: ['run build'], distKept: false });
    expect(await prepareIn('pack')).toEqual({ code: 0, builds: [], distKept: true });
  });
});

// --- compose.yaml ----------------------------------------------------------------------------------

interface ComposeService {
  build?: string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
  stop_grace_period?: string;
}
const compose = parseYaml(readRepo('compose.yaml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error} (an error when unset or empty). */
function interpolate(value: string, variables: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, name: string, kind?: string, word?: string) => {
    const set = variables[name];
    if (set) return set;
    if (kind === '?') throw new Error(`${name}: ${word}`);
    return kind === '-' ? word! : '';
  });
}

describe('compose.yaml', () => {
  const { postgres, migrate, gatehouse } = compose.services;

  it('runs PostgreSQL with a volume and a healthcheck; the migrations once, when it is healthy; then the server', () => {
    expect(postgres!.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes)).toEqual(['postgres-data']);
    expect(postgres!.healthcheck!.test).toEqual(expect.arrayContaining(['pg_isready']));
    expect(migrate!.command).toEqual(['migrate']);
    expect(migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(gatehouse!.command).toEqual(['serve', '--no-migrate']);
    expect(gatehouse!.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
    for (const service of [migrate!, gatehouse!]) expect(service.build).toBe('.');
    // Longer than the server takes to finish requests in flight after SIGTERM.
    expect(Number.parseInt(gatehouse!.stop_grace_period!, 10)).toBeGreaterThan(SERVER_GRACE_SECONDS);
  });

  it('takes the database password and the key_encryption_key from .env, which git and Docker leave out, and refuses to start without them', () => {
    const environment = gatehouse!.environment!;
    expect(environment).toEqual(migrate!.environment);
    const secrets = { POSTGRES_PASSWORD: 'pw', GATEHOUSE_KEY_ENCRYPTION_KEY: 'k'.repeat(44) };
    expect(interpolate(environment.GATEHOUSE_DATABASE_URL!, secrets)).toBe(
      'postgres://gatehouse:pw@postgres:5432/gatehouse',
    );
    expect(interpolate(environment.GATEHOUSE_KEY_ENCRYPTION_KEY!, secrets)).toBe(secrets.GATEHOUSE_KEY_ENCRYPTION_KEY);
    expect(() => interpolate(environment.GATEHOUSE_KEY_ENCRYPTION_KEY!, {})).toThrow(/GATEHOUSE_KEY_ENCRYPTION_KEY/);
    expect(() => interpolate(postgres!.environment!.POSTGRES_PASSWORD!, {})).toThrow(/POSTGRES_PASSWORD/);
    expect(readRepo('.gitignore').split('\n')).toContain('.env');
    expect(dockerignore(readRepo('.dockerignore'))('.env')).toBe(true);
  });

  it("the README's command makes a private .env with both secrets, which make a valid database URL", async () => {
    const command = readme.split('\n').find((line) => line.startsWith('(umask 077 && printf'));
    expect(command, 'the .env command in the README').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-compose-'));
    atFileEnd(() => rmSync(dir, { recursive: true, force: true }));
    await runOk('sh', ['-c', command!], { cwd: dir });
    expect(statSync(join(dir, '.env')).mode & 0o777).toBe(0o600);
    const variables = Object.fromEntries(
      readFileSync(join(dir, '.env'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    expect(Object.keys(variables)).toEqual(['POSTGRES_PASSWORD', 'GATEHOUSE_KEY_ENCRYPTION_KEY']);
    expect(variables.GATEHOUSE_KEY_ENCRYPTION_KEY!.length).toBeGreaterThanOrEqual(32);
    const url = new URL(interpolate(gatehouse!.environment!.GATEHOUSE_DATABASE_URL!, variables));
    expect(url.password).toBe(variables.POSTGRES_PASSWORD);
  });
});

// --- examples/systemd ----------------------------------------------------------------------------

/** A unit file's settings: section → key → every value given (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split('\n').map((raw) => raw.trim())) {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const setting = /^(\w+)=(.*)$/.exec(line);
    if (!setting || !current) throw new Error(`gatehouse.service: cannot read ${JSON.stringify(line)}`);
    current.set(setting[1]!, [...(current.get(setting[1]!) ?? []), setting[2]!]);
  }
  return sections;
}

const unit = parseUnit(readRepo('examples/systemd/gatehouse.service'));
const service = unit.get('Service')!;
const serviceSetting = (key: string) => service.get(key)?.at(-1);
/** The folder the README's systemd section installs the tarball into (`npm install --prefix …`). */
const documentedPrefix = /sudo npm install --prefix (\S+) --omit=dev \.\/(gatehouse-\S+\.tgz)/.exec(readme);

describe('examples/systemd/gatehouse.service', () => {
  it('has the hardening options', () => {
    expect(Object.fromEntries([...service].map(([key, values]) => [key, values.at(-1)]))).toMatchObject({
      Type: 'exec',
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      SystemCallFilter: '@system-service',
      CapabilityBoundingSet: '',
      UMask: '0077',
      Restart: 'on-failure',
      KillSignal: 'SIGTERM',
    });
    // Node's JIT needs memory it writes and then executes: under this option Node aborts at its first compile.
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
    expect(Number(serviceSetting('TimeoutStopSec'))).toBeGreaterThan(SERVER_GRACE_SECONDS);
  });

  it('runs as its own user in the data folder, the only one it may write, with the settings of an environment file', () => {
    expect(serviceSetting('User')).toBe('gatehouse');
    expect(serviceSetting('User')).not.toBe('root');
    const dataFolder = serviceSetting('WorkingDirectory');
    expect(dataFolder).toBe('/var/lib/gatehouse');
    expect(serviceSetting('ReadWritePaths')).toBe(dataFolder);
    expect(`/var/lib/${serviceSetting('StateDirectory')}`).toBe(dataFolder);
    expect(serviceSetting('EnvironmentFile')).toBe('/etc/gatehouse/gatehouse.env');
    expect(readme).toContain(`/etc/gatehouse/gatehouse.env`);
    expect(readme).toContain('--home-dir /var/lib/gatehouse');
  });

  it('comes with an environment file of valid settings, its database in the data folder', () => {
    const env: Record<string, string> = {};
    for (const line of readRepo('examples/systemd/gatehouse.env').split('\n')) {
      const setting = /^(\w+)=(.*)$/.exec(line);
      if (setting) env[setting[1]!] = setting[2]!;
    }
    const warnings: string[] = [];
    const config = loadConfig({
      env: { ...env, GATEHOUSE_KEY_ENCRYPTION_KEY: 'k'.repeat(44) },
      warn: (message) => warnings.push(message),
    });
    expect(warnings).toEqual([]);
    expect(config.database).toBe(`sqlite:${serviceSetting('WorkingDirectory')}/gatehouse.db`);
    expect(config.issuer).toMatch(/^https:\/\//);
  });

  it('systemd-analyze verify finds nothing to say (required in CI, where systemd is installed)', async () => {
    const found = await run('systemd-analyze', ['--version'], { cwd: root }).catch(() => null);
    if (!found && process.env.CI !== 'true') {
      console.warn('[gatehouse tests] systemd-analyze is not installed: the unit file was not verified by systemd');
      return;
    }
    const verified = await run('systemd-analyze', ['verify', join(root, 'examples/systemd/gatehouse.service')], {
      cwd: root,
    });
    expect(verified).toMatchObject({ code: 0, output: '' });
  });
});

// --- the install itself ---------------------------------------------------------------------------

/** This checkout's better-sqlite3, whose compiled binary the copies borrow (see the top of the file). */
const nativeSource = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
const versionOf = (folder: string) =>
  (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }).version;

async function supplyNativeModule(project: string): Promise<void> {
  const target = join(project, 'node_modules', 'better-sqlite3');
  if (versionOf(target) !== versionOf(nativeSource)) {
    // Another version than this checkout's: the tarball's range resolved to a newer release than the
    // lock's. Compile it, right but a minute slower; updating the lock makes the two agree again.
    console.warn(
      `[gatehouse tests] better-sqlite3 ${versionOf(target)} in ${project}, ${versionOf(nativeSource)} here: compiling it`,
    );
    await runOk('npm', ['rebuild', 'better-sqlite3'], { cwd: project });
    return;
  }
  mkdirSync(join(target, 'build', 'Release'), { recursive: true });
  copyFileSync(
    join(nativeSource, 'build', 'Release', 'better_sqlite3.node'),
    join(target, 'build', 'Release', 'better_sqlite3.node'),
  );
}

/** What a command that installs packages gets here: npm's cache, no install scripts (see the top of the file). */
const INSTALL_FLAGS = ['--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'];

/** A Dockerfile RUN command, which must be a plain command: the shell would hide what it does. */
async function runStep(command: string, cwd: string): Promise<void> {
  expect(command, 'a RUN step of the build stage').toMatch(/^[\w@./:=-]+(?: [\w@./:=-]+)*$/);
  const [program, ...args] = command.split(' ') as [string, ...string[]];
  const installs = program === 'npm' && ['ci', 'install', 'prune'].includes(args[0]!);
  await runOk(program, installs ? [...args, ...INSTALL_FLAGS] : args, { cwd });
  if (installs && args[0] !== 'prune') {
    await supplyNativeModule(cwd);
    // The root package's own lifecycle script, which --ignore-scripts skipped too.
    await runOk('npm', ['run', 'prepare'], { cwd });
  }
}

/** A build-stage COPY from the context (the files .dockerignore lets through), as Docker resolves its paths. */
function copyFromContext(value: string, context: string, contextFiles: readonly string[], stageDir: string): void {
  const parts = value.split(/\s+/);
  expect(
    parts.filter((part) => part.startsWith('--')),
    `COPY ${value}`,
  ).toEqual([]);
  const destination = parts.pop()!;
  const intoFolder = destination.endsWith('/') || destination === '.' || parts.length > 1;
  for (const source of parts) {
    const folder = source === '.' ? '' : `${source.replace(/\/$/, '')}/`;
    const files = contextFiles.filter((file) => file === source || (folder === '' ? true : file.startsWith(folder)));
    if (files.length === 0) throw new Error(`COPY ${value}: ${source} is not in the build context`);
    for (const file of files) {
      const target =
        file === source
          ? intoFolder
            ? join(stageDir, destination, basename(file))
            : join(stageDir, destination)
          : join(stageDir, destination, file.slice(folder.length));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(context, file), target);
    }
  }
}

/** Whether something listens on 0.0.0.0:`port` (Linux: /proc/net/tcp, state 0A is LISTEN); null elsewhere. */
function listensOnEveryInterface(port: number): boolean | null {
  if (!existsSync('/proc/net/tcp')) return null;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .some((row) => {
      const fields = row.trim().split(/\s+/);
      return fields[1] === `00000000:${hexPort}` && fields[3] === '0A';
    });
}

/** What an installed server must serve beyond /healthz: a page (its templates, any asset it reads) and metadata. */
async function expectPagesServed(url: string): Promise<void> {
  const page = await fetch(`${url}/login`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await page.text()).toContain('<form');
  const metadata = await fetch(`${url}/.well-known/openid-configuration`);
  expect(((await metadata.json()) as { issuer: string }).issuer).toMatch(/^http/);
}

describe('the production install', () => {
  let work: string;
  let clone: string;
  let runtime: string;
  let packed: { filename: string; files: { path: string }[] };
  let tarballInstall: Promise<string>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gatehouse-install-'));
    atFileEnd(() => rmSync(work, { recursive: true, force: true }));

    // 1. A clone: the files git tracks, and the new ones it would (a clean checkout in CI).
    clone = join(work, 'clone');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\0')
      .filter((file) => file !== '' && existsSync(join(root, file)));
    for (const file of files) {
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      copyFileSync(join(root, file), join(clone, file));
    }

    // 2. The build stage, its WORKDIR a folder of its own, fed from the clone through .dockerignore.
    const ignored = dockerignore(readFileSync(join(clone, '.dockerignore'), 'utf8'));
    const contextFiles = files.filter((file) => !ignored(file));
    const build = join(work, 'build');
    mkdirSync(build);
    for (const { keyword, value } of buildStage.instructions) {
      if (keyword === 'WORKDIR') continue;
      if (keyword === 'COPY') copyFromContext(value, clone, contextFiles, build);
      else if (keyword === 'RUN') await runStep(value, build);
      else throw new Error(`the build stage has ${keyword} ${value}: teach this test what it does`);
    }
    // The tarball, from the dist/ the build stage made (prepack would make the same again: see below).
    const packOutput = await runOk('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: build,
    });
    packed = (JSON.parse(packOutput.stdout) as (typeof packed)[])[0]!;
    // 4. Installed as the README's systemd section does, while the runtime stage is tested.
    tarballInstall = (async () => {
      const prefix = join(work, 'opt-gatehouse');
      await runOk('npm', ['install', '--prefix', prefix, '--omit=dev', ...INSTALL_FLAGS, join(work, packed.filename)], {
        cwd: work,
      });
      await supplyNativeModule(prefix);
      return prefix;
    })();
    tarballInstall.catch(() => {});

    // 3. The runtime stage: what its COPY lines take from the build stage (moved: the build is done).
    const buildWorkdir = single(buildStage, 'WORKDIR');
    runtime = join(work, 'runtime');
    mkdirSync(runtime);
    for (const { value } of instructionsOf(runtimeStage, 'COPY')) {
      const [from, source, destination, ...rest] = value.split(/\s+/);
      expect(rest, `COPY ${value}`).toEqual([]);
      expect(from).toBe(`--from=${buildStage.name}`);
      const target = destination!.endsWith('/') ? join(destination!, basename(source!)) : destination!;
      renameSync(join(build, relative(buildWorkdir, source!)), join(runtime, target));
    }
  }, 300_000);

  it('without the dev dependencies, the prepare script of a clone builds nothing and succeeds; npm pack refuses', async () => {
    const prepared = await runOk('npm', ['run', 'prepare'], { cwd: clone });
    expect(prepared.stdout).toContain('dist/ not built: TypeScript is not installed');
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    // prepack: no tarball of a missing or stale dist/.
    const packing = await run('npm', ['pack', '--dry-run'], { cwd: clone });
    expect(packing.code).not.toBe(0);
    expect(packing.output).toContain('cannot pack without building dist/');
  });

  it('the runtime stage holds package.json, dist/ and the production dependencies: no dev dependency, no source', () => {
    expect(readdirSync(runtime).sort()).toEqual(['dist', 'node_modules', 'package.json']);
    // Everything the package ships, but the documents, is in the image.
    for (const entry of packageJson.files.filter((file) => !file.startsWith('!') && !file.endsWith('.md'))) {
      expect(existsSync(join(runtime, entry)), entry).toBe(true);
    }
    for (const name of Object.keys(packageJson.devDependencies)) {
      expect(existsSync(join(runtime, 'node_modules', name)), name).toBe(false);
    }
    for (const name of Object.keys(packageJson.dependencies)) {
      expect(existsSync(join(runtime, 'node_modules', name)), name).toBe(true);
    }
  });

  it('the runtime stage, started as ENTRYPOINT + CMD: listens on every interface, keeps its database on the volume, is healthy, and exits 0 on SIGTERM', async () => {
    const data = join(work, 'volume');
    mkdirSync(data);
    const port = await freePort();
    const environment: Record<string, string> = { GATEHOUSE_PORT: String(port) };
    for (const [key, value] of Object.entries(imageEnv)) environment[key] = value.replaceAll(`${volume}/`, `${data}/`);
    const env = cleanEnv(environment);
    const [node, ...args] = imageCommand;
    expect(node).toBe('node');
    const server = await startServer(process.execPath, args, { cwd: runtime, env, port });

    await expect
      .poll(() => server.output(), { timeout: 15_000 })
      .toContain(`Gatehouse is serving http://0.0.0.0:${port} `);
    expect(listensOnEveryInterface(port) ?? true).toBe(true);
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite' });
    expect(statSync(join(data, 'gatehouse.db')).mode & 0o777).toBe(0o600);
    await expectPagesServed(server.url);
    const [checker, ...checkArgs] = imageHealthcheck.command;
    expect((await run(process.execPath, checkArgs, { cwd: runtime, env })).code, checker).toBe(0);

    // `docker stop`: SIGTERM to PID 1, the server itself.
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('shutting down');
    expect((await run(process.execPath, checkArgs, { cwd: runtime, env })).code).toBe(1);
  }, 90_000);

  it.skipIf(skipPostgres)(
    "compose.yaml's commands on PostgreSQL: migrate once, then serve --no-migrate",
    async () => {
      const database = await createPostgresDatabase();
      atFileEnd(() => database.drop());
      const { migrate, gatehouse } = compose.services;
      const port = await freePort();
      const composeEnv = Object.fromEntries(
        Object.entries(gatehouse!.environment!).map(([key, value]) => [
          key,
          interpolate(value, {
            POSTGRES_PASSWORD: 'unused',
            GATEHOUSE_KEY_ENCRYPTION_KEY: 'compose-test-key-'.repeat(3),
          }),
        ]),
      );
      // The database Compose names (postgres:5432) is this run's.
      const env = cleanEnv({
        ...imageEnv,
        ...composeEnv,
        GATEHOUSE_DATABASE_URL: database.url,
        GATEHOUSE_PORT: String(port),
      });
      const entrypoint = execForm(single(runtimeStage, 'ENTRYPOINT')).slice(1);
      const migrated = await runOk(process.execPath, [...entrypoint, ...migrate!.command!], { cwd: runtime, env });
      expect(migrated.stdout).toMatch(/^Applied migrations: 1, /);
      const server = await startServer(process.execPath, [...entrypoint, ...gatehouse!.command!], {
        cwd: runtime,
        env,
        port,
      });
      const health = await fetch(`${server.url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', database: 'postgres' });
      expect(server.output()).not.toContain('Applied migration');
      server.child.kill('SIGTERM');
      expect(await server.exited, server.output()).toEqual({ code: 0, signal: null });
    },
    90_000,
  );

  it('npm pack: dist/ compiled from the modules in src/, package.json and the documents; no test, source, secret or local data', () => {
    const paths = packed.files.map(({ path }) => path).sort();
    expect(packed.filename).toBe(`gatehouse-${packageJson.version}.tgz`);
    expect(paths).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'SECURITY.md', packageJson.bin.gatehouse!]),
    );
    for (const path of paths) {
      if (['package.json', 'README.md', 'SECURITY.md'].includes(path)) continue;
      expect(path).toMatch(/^dist\//);
      expect(path).not.toMatch(/\.test\.|(^|\/)(test|data)\//);
      // Compiled from a module of src/, or copied from it: nothing left over from a file since deleted.
      const compiled = /^dist\/(.+)\.(js|d\.ts|js\.map)$/.exec(path);
      const source = compiled ? `${compiled[1]}.ts` : path.slice('dist/'.length);
      expect(existsSync(join(clone, 'src', source)), path).toBe(true);
    }
    expect(paths.filter((path) => /\.(db|kek|env|tsbuildinfo)$|(^|\/)\.env/.test(path))).toEqual([]);
  });

  it("the tarball, installed with --omit=dev into an empty folder, runs `npx gatehouse serve`, which answers /healthz and stops on the terminal's signal", async () => {
    const prefix = await tarballInstall;
    expect(readdirSync(prefix).sort()).toEqual(['node_modules', 'package-lock.json', 'package.json']);
    for (const name of Object.keys(packageJson.devDependencies)) {
      expect(existsSync(join(prefix, 'node_modules', name)), name).toBe(false);
    }
    const port = await freePort();
    const server = await startServer('npx', ['gatehouse', 'serve', '--port', String(port)], {
      cwd: prefix,
      env: cleanEnv(),
      port,
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite' });
    expect(existsSync(join(prefix, 'data', 'gatehouse.db'))).toBe(true);
    await expectPagesServed(server.url);
    // Ctrl-C, or SIGTERM to the whole group: npx, its shell and the server all get it.
    killGroup(server.child, 'SIGTERM');
    await server.exited;
    await expect.poll(() => killGroup(server.child, 0), { timeout: 15_000 }).toBe(false);
    // The server's own lines reach the pipe npx handed it, maybe after npx is gone.
    await expect.poll(() => server.output(), { timeout: 15_000 }).toContain('shutting down');
    expect(await canBind(port)).toBe(true);
  }, 90_000);

  it("the systemd unit's ExecStart is node on the installed CLI, where the README installs the tarball", async () => {
    expect(documentedPrefix, 'the README installs the tarball with npm install --prefix').not.toBeNull();
    const [, documented, tarball] = documentedPrefix!;
    expect(tarball).toBe(packed.filename);
    const cli = `node_modules/gatehouse/${packageJson.bin.gatehouse}`;
    expect(serviceSetting('ExecStart')).toBe(`/usr/bin/node ${documented}/${cli} serve`);
    // That file, installed the same way here.
    const prefix = await tarballInstall;
    expect(existsSync(join(prefix, cli))).toBe(true);
    expect(realpathSync(join(prefix, 'node_modules', '.bin', 'gatehouse'))).toBe(realpathSync(join(prefix, cli)));
  });
});
