import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where messages go: an SMTP server, or the outbox folder when none is configured. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * nodemailer, loaded on the first message: every CLI command loads the server's modules, and
 * most never send mail.
 */
async function loadNodemailer(): Promise<typeof import('nodemailer').default> {
  return (await import('nodemailer')).default;
}

/** Sends through SMTP (mail.url: smtp://user:pass@host:587, smtps://…:465). */
export class SmtpMailer implements Mailer {
  private transport: Promise<Transporter> | null = null;

  constructor(
    private readonly url: string,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    // nodemailer's logger is off unless the URL turns it on (?logger=true): it would print the
    // message, links included.
    this.transport ??= loadNodemailer().then((nodemailer) => nodemailer.createTransport(this.url));
    await (await this.transport).sendMail({ from: this.from, ...message });
  }

  async close(): Promise<void> {
    (await this.transport)?.close();
  }
}

/**
 * Writes each message as an .eml file (open it with any mail program), so `npm start` works
 * with no mail server, plus a .txt beside it with the headers and plain-text body as written
 * (the .eml's quoted-printable encoding breaks long links for `cat`). Only the .eml's path is
 * logged: the message carries a secret link. Both files are readable by their owner only.
 */
export class OutboxMailer implements Mailer {
  private transport: Promise<Transporter> | null = null;
  private readonly folder: string;

  constructor(
    folder: string,
    private readonly from: string,
    private readonly logger: Pick<Logger, 'info'>,
  ) {
    this.folder = resolve(folder);
  }

  async send(message: MailMessage): Promise<void> {
    this.transport ??= loadNodemailer().then((nodemailer) =>
      nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    );
    const built = (await (await this.transport).sendMail({ from: this.from, ...message })) as { message: Buffer };
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const base = join(
      this.folder,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`,
    );
    const path = `${base}.eml`;
    await writeFile(path, built.message, { mode: 0o600 });
    await writeFile(
      `${base}.txt`,
      `From: ${this.from}\nTo: ${message.to}\nSubject: ${message.subject}\n\n${message.text}`,
      { mode: 0o600 },
    );
    this.logger.info({ path }, 'e-mail written to the outbox (no mail.url is set)');
  }

  async close(): Promise<void> {}
}

/** How many messages MailQueue holds (sending or waiting) unless told otherwise. */
export const DEFAULT_MAIL_QUEUE_LIMIT = 1000;

/**
 * Sends in the background, so a page answers at once and as fast whether or not a message
 * went out (a reset form must not reveal, by its timing, that an account exists). Failures are
 * logged without the message. `idle()` waits for messages still on their way (shutdown, tests).
 *
 * Bounded: unauthenticated forms queue messages, and a slow or stuck mail server would otherwise
 * let them pile up in memory without limit. Past `limit` messages not yet handed over, a new one
 * is dropped, logged (its purpose only) and counted in `dropped`.
 */
export class MailQueue {
  private readonly inFlight = new Set<Promise<void>>();
  /** Messages dropped because the queue was full, since start. */
  dropped = 0;

  constructor(
    private readonly mailer: Mailer,
    private readonly logger: Pick<Logger, 'error'>,
    readonly limit = DEFAULT_MAIL_QUEUE_LIMIT,
  ) {}

  /** Messages handed to the queue and not yet sent (or failed). */
  get size(): number {
    return this.inFlight.size;
  }

  /** Queues `message`, or drops it (logged, counted in `dropped`) when the queue is full. */
  deliver(message: MailMessage, purpose: string): void {
    if (this.inFlight.size >= this.limit) {
      this.dropped += 1;
      this.logger.error(
        { purpose, queued: this.inFlight.size, dropped: this.dropped },
        'e-mail dropped: the mail queue is full (is the mail server slow or down?)',
      );
      return;
    }
    const sending = this.mailer
      .send(message)
      .catch((error: unknown) => {
        const { code, responseCode } = (error ?? {}) as { code?: string; responseCode?: number };
        this.logger.error({ purpose, code, responseCode }, 'e-mail could not be sent');
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.idle();
    await this.mailer.close();
  }
}
