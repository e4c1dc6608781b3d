/**
 * The outgoing mail queue is bounded (security review, issue 14): with a mail server that never
 * answers, unauthenticated forms could otherwise grow memory without limit. Past
 * `mail.queue_limit` messages on their way, a new one is dropped, logged (purpose only) and
 * counted, and /metrics shows the count.
 */
import { cheapPasswords } from '../../../test/harness/passwords.js';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSqliteStore, type TestStore } from '../../../test/helpers/databases.js';
import { validateConfig } from '../../config/load.js';
import { ManualClock } from '../../core/clock.js';
import { composeServices } from '../../compose.js';
import { buildHttpServer } from '../../http/server.js';
import { UserAccounts } from '../users.js';
import { MailQueue, type Mailer, type MailMessage } from './mailer.js';

const LINK = 'https://auth.example.com/reset/password?token=SECRETSECRETSECRETSECRETSECRETSECRETSECRET';

/** A mail server that takes every message and never answers. */
function stuckMailer(): Mailer & { started: number } {
  const mailer = {
    started: 0,
    send: () => {
      mailer.started += 1;
      return new Promise<void>(() => {});
    },
    close: async () => {},
  };
  return mailer;
}

const message = (n: number): MailMessage => ({
  to: `user${n}@example.com`,
  subject: `Reset ${n}`,
  text: LINK,
  html: `<a href="${LINK}">reset</a>`,
});

describe('MailQueue limit', () => {
  let db: TestStore | undefined;
  afterEach(async () => {
    await db?.cleanup();
    db = undefined;
  });

  it('past the limit a message is dropped, logged without its content, and counted; nothing else changes', () => {
    const mailer = stuckMailer();
    const error = vi.fn();
    const queue = new MailQueue(mailer, { error }, 3);
    for (let n = 1; n <= 5; n++) queue.deliver(message(n), 'resetting');
    expect(mailer.started).toBe(3);
    expect(queue.size).toBe(3);
    expect(queue.dropped).toBe(2);
    expect(error).toHaveBeenCalledTimes(2);
    expect(error).toHaveBeenLastCalledWith(
      { purpose: 'resetting', queued: 3, dropped: 2 },
      expect.stringContaining('dropped'),
    );
    const logged = JSON.stringify(error.mock.calls);
    for (const secret of [LINK, 'user4@example.com', 'Reset 4']) expect(logged).not.toContain(secret);
  });

  it('a message that went out makes room again', async () => {
    let release!: () => void;
    const mailer: Mailer = { send: () => new Promise<void>((resolve) => (release = resolve)), close: async () => {} };
    const queue = new MailQueue(mailer, { error: vi.fn() }, 1);
    queue.deliver(message(1), 'confirmation');
    queue.deliver(message(2), 'confirmation');
    expect(queue.dropped).toBe(1);
    release();
    await queue.idle();
    queue.deliver(message(3), 'confirmation');
    expect(queue.size).toBe(1);
    expect(queue.dropped).toBe(1);
  });

  it('the default limit is 1,000', () => {
    const mailer = stuckMailer();
    const queue = new MailQueue(mailer, { error: vi.fn() });
    for (let n = 1; n <= 1005; n++) queue.deliver(message(n), 'resetting');
    expect(mailer.started).toBe(1000);
    expect(queue.dropped).toBe(5);
  });

  it('mail.queue_limit bounds the reset form with a stuck mail server; /metrics counts the drops', async () => {
    db = await createSqliteStore();
    const clock = new ManualClock(1_800_000_000);
    const mailer = stuckMailer();
    const config = validateConfig({
      issuer: 'https://auth.example.com',
      login_throttle_threshold: 100,
      resetting: { retry_ttl: 0 },
      mail: { queue_limit: 2 },
      metrics: { enabled: true, allow: ['127.0.0.1'] },
    });
    const gatehouse = composeServices({ passwords: cheapPasswords, config, store: db.store, clock, mailer });
    const app = buildHttpServer(gatehouse, pino({ level: 'silent' }));
    try {
      const accounts = new UserAccounts(db.store, { clock, passwords: cheapPasswords });
      for (const name of ['ann', 'ben', 'cal', 'dee'])
        await accounts.create({
          username: name,
          email: `${name}@example.com`,
          password: 'correct horse battery staple',
        });
      for (const name of ['ann', 'ben', 'cal', 'dee'])
        expect(await gatehouse.resetting.request(name, '203.0.113.7')).toEqual({ kind: 'accepted' });
      await (gatehouse.resetting as { idle?: () => Promise<void> }).idle?.();
      expect(mailer.started).toBe(2);
      expect(gatehouse.mail.queueState).toEqual({ queued: 2, dropped: 2 });

      const metrics = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toMatch(/^gatehouse_mail_dropped_total 2$/m);
      expect(metrics.body).toMatch(/^gatehouse_mail_queued 2$/m);
    } finally {
      await app.close();
      // close() would wait for the stuck messages: the queue's own test covers close().
      await gatehouse.auditLog?.close();
    }
  });
});
