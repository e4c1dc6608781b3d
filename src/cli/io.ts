import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Where a CLI command reads and writes: the process's own streams and environment when run as
 * `gatehouse`, captured ones when a test runs the command in-process. Every command reaches them
 * through `cliIo()`, never through `process.*`, so concurrent in-process runs do not mix output.
 */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** `isTTY` decides whether a password may be asked for on a terminal. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /**
   * The working directory: where the configuration file is looked for, and what relative paths
   * from flags and the environment are relative to. Default: process.cwd().
   */
  cwd?: string;
}

const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
};

/** The command's working directory. */
export function cliCwd(): string {
  return cliIo().cwd ?? process.cwd();
}

const current = new AsyncLocalStorage<CliIo>();

/** The streams and environment of the command running now. */
export function cliIo(): CliIo {
  return current.getStore() ?? processIo;
}

/** Runs `fn` with `io` as what `cliIo()` answers, including in everything `fn` awaits. */
export function withCliIo<T>(io: CliIo, fn: () => Promise<T>): Promise<T> {
  return current.run(io, fn);
}
