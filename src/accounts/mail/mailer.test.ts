/**
 * The mailers (src/accounts/mail/mailer.ts): the outbox folder (.eml + .txt, owner-only, only
 * the path logged), real SMTP delivery to an in-process server (test/helpers/mail.ts), and the
 * background MailQueue.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMailServer, type MailServer } from '../../../test/helpers/mail.js';
import { MailQueue, OutboxMailer, SmtpMailer, type Mailer, type MailMessage } from './mailer.js';

const FROM = 'Gatehouse <no-reply@auth.example.com>';
const LINK = `https://auth.example.com/reset/password?token=${'S3cr3tT0k3n'.repeat(5)}`;

function message(overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    to: 'alice@example.com',
    subject: 'Reset your password for auth.example.com',
    text: `Hello alice,\n\nOpen this link:\n\n${LINK}\n\nThe link works for 24 hours, once.\n`,
    html: `<!doctype html><html><body><p>Hello alice,</p><p><a href="${LINK}">Choose a new password</a></p></body></html>\n`,
    ...overrides,
  };
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-mailer-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('OutboxMailer', () => {
  it('writes an .eml a mail program can open (From, To, Subject, text and HTML parts) and a .txt beside it', async () => {
    const folder = join(dir, 'outbox-1', 'nested');
    const logger = { info: vi.fn() };
    const mailer = new OutboxMailer(folder, FROM, logger);
    await mailer.send(message());
    await mailer.close();

    const files = (await readdir(folder)).sort();
    expect(files).toHaveLength(2);
    const eml = files.find((file) => file.endsWith('.eml'))!;
    const txt = files.find((file) => file.endsWith('.txt'))!;
    expect(eml).toBeDefined();
    expect(txt).toBe(eml.replace(/\.eml$/, '.txt'));

    const parsed = await simpleParser(await readFile(join(folder, eml)));
    expect(parsed.from?.value).toEqual([{ name: 'Gatehouse', address: 'no-reply@auth.example.com' }]);
    const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
    expect(to?.value[0]?.address).toBe('alice@example.com');
    expect(parsed.subject).toBe('Reset your password for auth.example.com');
    expect(parsed.text).toContain(LINK);
    expect(typeof parsed.html).toBe('string');
    expect(parsed.html as string).toContain(`href="${LINK}"`);

    // The .txt has the link whole, on one line, for `cat`.
    const text = await readFile(join(folder, txt), 'utf8');
    expect(text).toBe(
      `From: ${FROM}\nTo: alice@example.com\nSubject: Reset your password for auth.example.com\n\n${message().text}`,
    );
    expect(text.split('\n')).toContain(LINK);
  });

  it('both files are readable by their owner only, and the folder is created for the owner only', async () => {
    const folder = join(dir, 'outbox-modes');
    const mailer = new OutboxMailer(folder, FROM, { info: () => {} });
    await mailer.send(message());
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const files = await readdir(folder);
    expect(files).toHaveLength(2);
    for (const file of files) expect((await stat(join(folder, file))).mode & 0o777, file).toBe(0o600);
  });

  it('logs only the path of the .eml: never the link, the recipient or the body', async () => {
    const folder = join(dir, 'outbox-log');
    const logger = { info: vi.fn() };
    const mailer = new OutboxMailer(folder, FROM, logger);
    await mailer.send(message());

    expect(logger.info).toHaveBeenCalledTimes(1);
    const [logged, text] = logger.info.mock.calls[0]! as [Record<string, unknown>, string];
    expect(Object.keys(logged)).toEqual(['path']);
    const [eml] = (await readdir(folder)).filter((file) => file.endsWith('.eml'));
    expect(logged.path).toBe(join(folder, eml!));
    const everything = JSON.stringify(logger.info.mock.calls);
    expect(everything).not.toContain('token=');
    expect(everything).not.toContain('S3cr3tT0k3n');
    expect(everything).not.toContain('alice@example.com');
    expect(everything).not.toContain('Hello alice');
    expect(text).toMatch(/outbox/);
  });

  it('each message gets files of its own, even several in the same millisecond', async () => {
    const folder = join(dir, 'outbox-many');
    const mailer = new OutboxMailer(folder, FROM, { info: () => {} });
    await Promise.all(Array.from({ length: 5 }, (_, i) => mailer.send(message({ subject: `message ${i}` }))));
    const files = await readdir(folder);
    expect(files.filter((file) => file.endsWith('.eml'))).toHaveLength(5);
    expect(files.filter((file) => file.endsWith('.txt'))).toHaveLength(5);
    const subjects = await Promise.all(
      files
        .filter((file) => file.endsWith('.eml'))
        .map(async (file) => (await simpleParser(await readFile(join(folder, file)))).subject),
    );
    expect(subjects.sort()).toEqual(['message 0', 'message 1', 'message 2', 'message 3', 'message 4']);
  });

  it('a relative folder is resolved against the working directory when the mailer is made', async () => {
    const cwd = process.cwd();
    const base = await mkdtemp(join(dir, 'relative-'));
    process.chdir(base);
    let mailer: OutboxMailer;
    try {
      mailer = new OutboxMailer('./data/outbox', FROM, { info: () => {} });
    } finally {
      process.chdir(cwd);
    }
    await mailer.send(message());
    expect(await readdir(join(base, 'data', 'outbox'))).toHaveLength(2);
  });
});

describe('SmtpMailer', () => {
  let server: MailServer;

  beforeAll(async () => {
    server = await startMailServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('delivers over SMTP: envelope, From, Subject, text and HTML arrive intact', async () => {
    const mailer = new SmtpMailer(server.url, FROM);
    try {
      await mailer.send(message({ to: 'Bob@Example.com' }));
    } finally {
      await mailer.close();
    }
    const received = await server.waitFor('bob@example.com', /Reset your password/);
    expect(received.from).toBe('no-reply@auth.example.com');
    expect(received.parsed.from?.value).toEqual([{ name: 'Gatehouse', address: 'no-reply@auth.example.com' }]);
    expect(received.subject).toBe('Reset your password for auth.example.com');
    expect(received.text).toContain(LINK);
    expect(received.html).toContain(`href="${LINK}"`);
  });

  it('several messages on one mailer', async () => {
    const mailer = new SmtpMailer(server.url, FROM);
    try {
      for (const to of ['carol@example.com', 'dave@example.com'])
        await mailer.send(message({ to, subject: `for ${to}` }));
    } finally {
      await mailer.close();
    }
    expect((await server.waitFor('carol@example.com')).subject).toBe('for carol@example.com');
    expect((await server.waitFor('dave@example.com')).subject).toBe('for dave@example.com');
  });

  it('a server that is not there is an error with a code (what MailQueue logs)', async () => {
    const mailer = new SmtpMailer('smtp://127.0.0.1:1', FROM);
    try {
      await expect(mailer.send(message())).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    } finally {
      await mailer.close();
    }
  });
});

/** A Mailer whose sends wait until `release()`; `sent` lists what got through. */
function gatedMailer() {
  const sent: MailMessage[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const mailer: Mailer & { sent: MailMessage[]; release(): void; closed: boolean } = {
    sent,
    closed: false,
    release: () => open(),
    async send(m) {
      await gate;
      sent.push(m);
    },
    async close() {
      mailer.closed = true;
    },
  };
  return mailer;
}

/**
 * Lets everything already due run: pending promise callbacks and a few rounds of the event loop
 * (setImmediate, no clock). Whatever has not happened after this is waiting for something else,
 * here the gated mailer's release().
 */
async function turnsOfTheEventLoop(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((done) => setImmediate(done));
}

describe('MailQueue', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('deliver() returns at once; the message goes out in the background and idle() waits for it', async () => {
    const mailer = gatedMailer();
    const queue = new MailQueue(mailer, { error: vi.fn() });
    const returned = queue.deliver(message(), 'resetting');
    expect(returned).toBeUndefined();
    expect(mailer.sent).toHaveLength(0);

    let idle = false;
    const waiting = queue.idle().then(() => (idle = true));
    await turnsOfTheEventLoop();
    expect(idle).toBe(false);

    mailer.release();
    await waiting;
    expect(mailer.sent).toEqual([message()]);
  });

  it('idle() resolves at once with nothing queued, and also waits for messages queued while it waits', async () => {
    const mailer = gatedMailer();
    const queue = new MailQueue(mailer, { error: vi.fn() });
    await queue.idle();

    queue.deliver(message({ subject: 'one' }), 'confirmation');
    const waiting = queue.idle();
    queue.deliver(message({ subject: 'two' }), 'confirmation');
    mailer.release();
    await waiting;
    expect(mailer.sent.map((m) => m.subject).sort()).toEqual(['one', 'two']);
  });

  it('a failing mailer is logged with the purpose and error code, never the message, and nothing throws', async () => {
    const failure = Object.assign(new Error(`could not send "${message().subject}" to alice@example.com: ${LINK}`), {
      code: 'EAUTH',
      responseCode: 535,
      response: `535 rejected ${LINK}`,
    });
    const mailer: Mailer = { send: vi.fn(async () => Promise.reject(failure)), close: async () => {} };
    const logger = { error: vi.fn() };
    const queue = new MailQueue(mailer, logger);
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      expect(() => queue.deliver(message(), 'resetting')).not.toThrow();
      await expect(queue.idle()).resolves.toBeUndefined();
      await turnsOfTheEventLoop();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    expect(unhandled).not.toHaveBeenCalled();

    expect(logger.error).toHaveBeenCalledTimes(1);
    const [logged] = logger.error.mock.calls[0]! as [Record<string, unknown>];
    expect(logged).toEqual({ purpose: 'resetting', code: 'EAUTH', responseCode: 535 });
    const everything = JSON.stringify(logger.error.mock.calls);
    for (const secret of ['token=', 'S3cr3tT0k3n', 'alice@example.com', 'Hello alice', 'Reset your password']) {
      expect(everything, secret).not.toContain(secret);
    }
  });

  it('a failure of one message does not stop the next', async () => {
    let calls = 0;
    const sent: MailMessage[] = [];
    const mailer: Mailer = {
      async send(m) {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        sent.push(m);
      },
      close: async () => {},
    };
    const logger = { error: vi.fn() };
    const queue = new MailQueue(mailer, logger);
    queue.deliver(message({ subject: 'first' }), 'confirmation');
    queue.deliver(message({ subject: 'second' }), 'confirmation');
    await queue.idle();
    expect(sent.map((m) => m.subject)).toEqual(['second']);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![0]).toEqual({
      purpose: 'confirmation',
      code: undefined,
      responseCode: undefined,
    });
  });

  it('a mailer rejecting with something that is not an Error is logged too', async () => {
    const logger = { error: vi.fn() };
    const queue = new MailQueue({ send: () => Promise.reject(null), close: async () => {} }, logger);
    queue.deliver(message(), 'password_changed');
    await queue.idle();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect((logger.error.mock.calls[0]![0] as Record<string, unknown>).purpose).toBe('password_changed');
  });

  it('close() waits for messages on their way, then closes the mailer', async () => {
    const mailer = gatedMailer();
    const queue = new MailQueue(mailer, { error: vi.fn() });
    queue.deliver(message(), 'confirmation');
    const closing = queue.close();
    await turnsOfTheEventLoop();
    expect(mailer.closed).toBe(false);
    mailer.release();
    await closing;
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.closed).toBe(true);
  });

  it('through a real SMTP server', async () => {
    const server = await startMailServer();
    const queue = new MailQueue(new SmtpMailer(server.url, FROM), { error: vi.fn() });
    try {
      queue.deliver(message({ to: 'erin@example.com' }), 'resetting');
      await queue.idle();
      expect(server.messagesTo('erin@example.com')).toHaveLength(1);
    } finally {
      await queue.close();
      await server.close();
    }
  });
});
