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
        // Unit and integration files share their worker's modules (measured: unit 11 s instead of 20 s,
        // integration 114 s instead of 173 s: the app's modules load once per worker, not per file);
        // each restores what it changes (timers, cwd, mocks), and passes in any file order
        // (--sequence.shuffle.files). System files each get a fresh process: they spawn and signal.
        isolate: name === 'system',
        // One migrated template per run (PostgreSQL database, SQLite file) and one Chromium per worker.
        globalSetup: name === 'unit' ? [] : ['test/global-setup.ts'],
        // Closes what a file left running (servers, scratch folders) when it ends: helpers/file-end.ts.
        setupFiles: name === 'unit' ? [] : ['test/setup/each-file.ts'],
      },
    })),
  },
});
