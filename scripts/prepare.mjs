#!/usr/bin/env node
// npm's `prepare` and `prepack` scripts (package.json). dist/ is built from src/ by TypeScript, a
// dev dependency, so only an install that has the dev dependencies can build it:
//
// - prepare (npm runs it after `npm ci` / `npm install` in a checkout): builds dist/ on a development
//   install, so `npm ci && npm start` works on a fresh clone. A production install (`npm ci
//   --omit=dev`: no TypeScript) and the Dockerfile's dependency layer (package files only, no src/
//   yet) have nothing to build with or from: it says so and succeeds, where a bare `tsc` would fail
//   the whole install. npm runs prepare on `npm pack` and `npm publish` too, after prepack: nothing
//   is left to do then.
// - prepack (`--pack`, before `npm pack` / `npm publish`): a clean build, so the tarball holds what
//   src/ compiles to now and no file left behind by a module since deleted. Without TypeScript it
//   fails rather than pack whatever dist/ happens to hold.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forPack = process.argv.includes('--pack');

function typescriptInstalled() {
  try {
    createRequire(join(root, 'package.json')).resolve('typescript');
    return true;
  } catch {
    return false;
  }
}

/** `npm run build` with the package manager running this script (npm sets npm_execpath), else npm on PATH. */
function build() {
  const runner = process.env.npm_execpath;
  const result = runner
    ? spawnSync(process.execPath, [runner, 'run', 'build'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return result.status ?? 1;
}

if (forPack) {
  if (!typescriptInstalled()) {
    process.stderr.write('gatehouse: cannot pack without building dist/: TypeScript is not installed (run `npm ci`)\n');
    process.exit(1);
  }
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  process.exit(build());
}

if (process.env.npm_command === 'pack' || process.env.npm_command === 'publish') process.exit(0);
if (!existsSync(join(root, 'src')) || !existsSync(join(root, 'tsconfig.build.json'))) {
  process.stdout.write('gatehouse: no src/ here: nothing to build\n');
  process.exit(0);
}
if (!typescriptInstalled()) {
  process.stdout.write(
    'gatehouse: dist/ not built: TypeScript is not installed (a production install). ' +
      'From a clone, install everything, then drop the build tools: `npm ci && npm prune --omit=dev` ' +
      '(README, "Production install").\n',
  );
  process.exit(0);
}
process.exit(build());
