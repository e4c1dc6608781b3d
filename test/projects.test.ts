import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { globSync } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import config from '../vitest.config.js';
import { allTestFiles, testProjects, type TestProjectFiles } from './projects.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The files a project runs, globbed the way vitest does (tinyglobby, `exclude` as `ignore`). */
function filesOf(project: Pick<TestProjectFiles, 'include' | 'exclude'>): string[] {
  const ignore = [...project.exclude];
  return globSync([...project.include], { cwd: root, dot: true, ignore, expandDirectories: false });
}

/** Each test file with the projects that run it, for every file in no project or in more than one. */
function misplacedTestFiles(projects: readonly TestProjectFiles[]): Record<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const file of globSync(allTestFiles, { cwd: root, expandDirectories: false })) owners.set(file, []);
  for (const project of projects) {
    for (const file of filesOf(project)) owners.set(file, [...(owners.get(file) ?? []), project.name]);
  }
  return Object.fromEntries([...owners].filter(([, names]) => names.length !== 1).sort());
}

describe('vitest projects', () => {
  it('run every test file exactly once: each *.test.ts belongs to one project', () => {
    // An entry here is a file no `npm test` would run, or one it would run twice: classify it in test/projects.ts.
    expect(misplacedTestFiles(testProjects)).toEqual({});
  });

  it('the check notices a file in no project and a file in two', () => {
    const withoutSystem = testProjects.filter((project) => project.name !== 'system');
    expect(misplacedTestFiles(withoutSystem)['test/cli/client.test.ts']).toEqual([]);
    const unitTwice = [...testProjects, { name: 'unit', include: ['src/core/pkce.test.ts'], exclude: [] } as const];
    expect(misplacedTestFiles(unitTwice)['src/core/pkce.test.ts']).toEqual(['unit', 'unit']);
  });

  it('are the ones vitest.config.ts defines', () => {
    const configured = (config.test?.projects ?? []).map((project) => {
      const test = typeof project === 'object' && 'test' in project ? project.test : undefined;
      return { name: test?.name, include: test?.include, exclude: test?.exclude };
    });
    expect(configured.map(({ name }) => name)).toEqual(testProjects.map(({ name }) => name));
    for (const [index, project] of testProjects.entries()) {
      expect(configured[index]?.include).toEqual(project.include);
      expect(configured[index]?.exclude).toEqual(expect.arrayContaining([...project.exclude]));
    }
  });
});
