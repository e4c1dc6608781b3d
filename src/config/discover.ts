import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The names a configuration file is found by, in the order they are tried in each folder. */
export const CONFIG_FILE_NAMES: readonly string[] = ['gatehouse.yaml', 'gatehouse.yml', 'gatehouse.json'];

/** The configuration file in use, and how it was chosen (for `gatehouse config show`). */
export interface ConfigFileChoice {
  path: string;
  chosenBy: '--config' | 'GATEHOUSE_CONFIG' | 'found';
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/**
 * The configuration file: `--config`, else GATEHOUSE_CONFIG, else the first of
 * CONFIG_FILE_NAMES in the working directory or, failing that, its nearest parent that has one
 * (so a second terminal in a subfolder reads the server's file). Null: no file, defaults,
 * environment and flags only. A named file that does not exist is reported when it is read.
 */
export function findConfigFile({
  flag,
  env,
  cwd,
}: {
  flag?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}): ConfigFileChoice | null {
  if (flag !== undefined) return { path: resolve(cwd, flag), chosenBy: '--config' };
  const named = env.GATEHOUSE_CONFIG;
  if (named !== undefined && named !== '') return { path: resolve(cwd, named), chosenBy: 'GATEHOUSE_CONFIG' };
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    for (const name of CONFIG_FILE_NAMES) {
      const path = join(folder, name);
      if (isFile(path)) return { path, chosenBy: 'found' };
    }
    if (dirname(folder) === folder) return null;
  }
}
