#!/usr/bin/env node
// Part of `npm run lint`: no source file in src/ (tests aside) over 400 lines, so each stays
// readable in one sitting and a file that grows past it is split by concern, not by accident.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX_LINES = 400;
const files = readdirSync('src', { recursive: true })
  .map((path) => join('src', path))
  .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts'));
const tooLong = files
  .map((path) => ({ path, lines: readFileSync(path, 'utf8').split('\n').length - 1 }))
  .filter(({ lines }) => lines > MAX_LINES);
for (const { path, lines } of tooLong) process.stderr.write(`${path}: ${lines} lines (at most ${MAX_LINES})\n`);
process.exit(tooLong.length > 0 ? 1 : 0);
