import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import { testProjects } from './test/projects.js';

// vitest's default is one worker fewer than the cores: a single worker on a 2-core machine. Most
// integration time is spent waiting on PostgreSQL, Chromium and child processes, so every core gets one.
const workers = Math.max(availableParallelism(), 2);

export default defineConfig({
  test: {
    // Here, not in the projects: a project's own maxWorkers would override `--maxWorkers` on the command line.
    maxWorkers: workers,
    projects: testProjects.map(({ name, include, exclude }) => ({
      // No `extends: true`: nothing is inherited from this root (see maxWorkers above), each project says all it needs.
      test: {
        name,
        testTimeout: 30_000,
        hookTimeout: 60_000,
        include: [...include],
        exclude: [...configDefaults.exclude, ...exclude],
        // forks: process-wide state (the password queue, prom-client's registry, signal handlers,
        // the spawned-server reaper) stays per file, and better-sqlite3 stays in a main thread.
        pool: 'forks',
        // Unit files share their worker's process (measured: 11 s instead of 20 s); each restores what it
        // changes (timers, cwd, mocks), and passes in any file order (--sequence.shuffle.files).
        isolate: name !== 'unit',
        // One migrated template per run (PostgreSQL database, SQLite file) and one Chromium per worker.
        globalSetup: name === 'unit' ? [] : ['test/global-setup.ts'],
      },
    })),
  },
});
