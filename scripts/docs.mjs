// npm run docs: writes the configuration table generated from the schema (dist/config/docs.js,
// built first by the npm script) into README.md between its two marker comments.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigurationTable } from '../dist/config/docs.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readmePath, 'utf8');
const after = withConfigurationTable(before);
if (after === before) {
  console.log('README.md: the configuration table is up to date.');
} else {
  writeFileSync(readmePath, after);
  console.log('README.md: configuration table rewritten.');
}
