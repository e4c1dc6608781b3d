/**
 * Mail templates that are broken or missing stop `gatehouse serve` before it listens: the exit
 * code and the one line an operator sees, from the built CLI (moved from
 * test/e2e/registration.test.ts, whose other tests run in-process).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteDatabase, type TestDatabase } from '../helpers/databases.js';
import { startMailServer, type MailServer } from '../helpers/mail.js';
import { freePort, migrateDatabase, runCli } from '../helpers/server.js';

describe('mail.templates that do not load stop gatehouse serve', () => {
  let db: TestDatabase;
  let database: string;
  let mail: MailServer;

  beforeAll(async () => {
    mail = await startMailServer();
    db = await createSqliteDatabase();
    database = await migrateDatabase(db);
  });

  afterAll(async () => {
    await mail?.close();
    await db?.cleanup();
  });

  const broken: { label: string; files: Record<string, string>; mentions: RegExp }[] = [
    {
      label: 'an unknown placeholder in a .txt',
      files: { 'confirmation.txt': 'Subject: Hi\n\nYour token: {{token}}\n' },
      mentions: /confirmation\.txt: unknown placeholder \{\{token\}\}/,
    },
    {
      label: 'an unknown placeholder in a .html',
      files: { 'resetting.html': '<p>{{ password }}</p>' },
      mentions: /resetting\.html: unknown placeholder \{\{password\}\}/,
    },
    {
      label: 'a .txt without its Subject line',
      files: { 'confirmation.txt': 'Hello {{username}}\n' },
      mentions: /confirmation\.txt: must start with a "Subject: …" line/,
    },
  ];
  for (const b of broken) {
    it(`${b.label} stops gatehouse serve: exit code 2, one line naming the file`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gatehouse-templates-'));
      try {
        for (const [name, content] of Object.entries(b.files)) writeFileSync(join(dir, name), content);
        const result = await runCli(['serve', '--port', String(await freePort())], {
          database,
          env: { GATEHOUSE_MAIL_TEMPLATES: dir, GATEHOUSE_REGISTRATION_ENABLED: 'true', GATEHOUSE_MAIL_URL: mail.url },
        });
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(/^gatehouse: /);
        expect(result.stderr).toMatch(b.mentions);
        expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(result.stdout).not.toMatch(/serving|listening/i);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('a templates folder that does not exist stops gatehouse serve with exit code 2', async () => {
    const missing = join(tmpdir(), `gatehouse-no-such-templates-${process.pid}`);
    const result = await runCli(['serve', '--port', String(await freePort())], {
      database,
      env: { GATEHOUSE_MAIL_TEMPLATES: missing },
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('mail.templates');
  });
});
