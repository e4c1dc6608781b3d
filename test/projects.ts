/**
 * Which vitest project runs which test file (vitest.config.ts builds its `test.projects` from this).
 *
 * - unit: no database, no Gatehouse server, no browser, no child process: pure rules, plus the
 *   resource SDK and the mailer against in-process fakes on loopback. Fast, CPU-bound.
 * - integration: a database (SQLite file, PostgreSQL, Redis), the app or its routes, Chromium.
 *   Every `src/` test not listed as unit lands here, so a new test is never left out; list it
 *   under unit when it touches none of those.
 * - system: the CLI (its commands in-process through `runGatehouse`), and tests of the process
 *   itself: exit codes as the shell sees them, signals, `kill -9`, several nodes on one database,
 *   and the production install (test/install: the Dockerfile's steps, the npm tarball).
 *
 * test/projects.test.ts fails when a test file belongs to no project or to two.
 */

export interface TestProjectFiles {
  readonly name: 'unit' | 'integration' | 'system';
  /** Globs relative to the repository root, as vitest's `include`. */
  readonly include: readonly string[];
  /** Globs relative to the repository root, as vitest's `exclude`. */
  readonly exclude: readonly string[];
}

/** The src/ tests that import no database, server, browser or child process (checked with grep on imports). */
const unitInSrc: readonly string[] = [
  'src/resource/**/*.test.ts',
  'src/core/{client-auth,client-oidc,clock,key-encryption,params,pkce,origins,redirect-uris,resources,scopes}.test.ts',
  'src/core/oidc/at-hash.test.ts',
  'src/accounts/{canonical,password-queue,passwords}.test.ts',
  'src/accounts/mail/{mailer,templates}.test.ts',
  'src/audit/failure-counts.test.ts',
  'src/http/{form,next-step,return-to}.test.ts',
  'src/http/pages/*.test.ts',
  'src/i18n/**/*.test.ts',
  'src/storage/cleanup-schedule.test.ts',
  'src/outbound/{addresses,documents,guarded-fetch,json-cache,remote-jwks}.test.ts',
];

export const testProjects: readonly TestProjectFiles[] = [
  {
    name: 'unit',
    include: [...unitInSrc, 'test/*.test.ts'],
    exclude: [],
  },
  {
    name: 'integration',
    include: ['src/**/*.test.ts', 'test/{e2e,browser,resource,fuzz,examples,harness}/**/*.test.ts'],
    exclude: unitInSrc,
  },
  {
    name: 'system',
    include: ['test/{cli,faults,cluster,install,readme}/**/*.test.ts'],
    exclude: [],
  },
];

/** Every file the projects must account for. */
export const allTestFiles = '{src,test}/**/*.test.ts';
