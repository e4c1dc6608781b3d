/**
 * A real SMTP server in the test process (the `smtp-server` package), so Gatehouse's mail goes
 * over a real SMTP conversation through nodemailer. Messages are parsed with `mailparser`.
 *
 *   const mail = await startMailServer();
 *   // start Gatehouse with GATEHOUSE_MAIL_URL=mail.url (or config mail: { url: mail.url })
 *   const message = await mail.waitFor('alice@example.com', /Confirm/);
 *   const link = linkIn(message, '/register/confirm');
 *   await mail.close();
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

export interface MailServer {
  /** smtp://127.0.0.1:PORT, for mail.url. */
  url: string;
  messages: ReceivedMail[];
  /** The first message to `to` (not yet taken) whose subject matches, waiting up to `timeoutMs`; it is taken. */
  waitFor(to: string, subject?: RegExp, timeoutMs?: number): Promise<ReceivedMail>;
  /** Every message received for `to` so far. */
  messagesTo(to: string): ReceivedMail[];
  close(): Promise<void>;
}

export async function startMailServer(): Promise<MailServer> {
  const messages: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messages.push({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            parsed,
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  const messagesTo = (to: string) => messages.filter((message) => message.to.includes(to.toLowerCase()));

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    messagesTo,
    waitFor(to, subject, timeoutMs = 10_000) {
      const find = () =>
        messagesTo(to).find((message) => !taken.has(message) && (!subject || subject.test(message.subject)));
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = find();
          if (!found) return false;
          taken.add(found);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no e-mail to ${to}${subject ? ` matching ${subject}` : ''} within ${timeoutMs} ms (received: ${messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none'})`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The one link in the message's plain-text body whose path starts with `path`; fails unless there is exactly one. */
export function linkIn(message: ReceivedMail, path: string): string {
  const links = [...new Set(message.text.match(/https?:\/\/[^\s<>"]+/g) ?? [])].filter((link) =>
    new URL(link).pathname.startsWith(path),
  );
  if (links.length !== 1)
    throw new Error(`expected one ${path} link in "${message.subject}", found ${links.length}:\n${message.text}`);
  return links[0]!;
}
