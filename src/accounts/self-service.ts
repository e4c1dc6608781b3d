import type { Clock, IdSource } from '../core/clock.js';
import type { Store, UserRecord } from '../storage/store.js';
import type { AccountEventType, SecurityEvents } from '../audit/events.js';
import type { MailQueue } from './mail/mailer.js';
import type { MailTemplates, TemplateName, TemplateValues } from './mail/templates.js';
import type { PasswordHasher, PasswordPolicy } from './passwords.js';
import type { TrustedDevices } from './devices.js';
import type { Throttle } from './throttle.js';

/** The e-mails of the account pages: a template rendered and queued for delivery. */
export class AccountMail {
  constructor(
    private readonly queue: MailQueue,
    private readonly templates: MailTemplates,
    /** The site's name in messages: the issuer's host. */
    private readonly site: string,
  ) {}

  send(
    name: TemplateName,
    user: Pick<UserRecord, 'username' | 'email'>,
    values: Partial<TemplateValues> = {},
    to = user.email,
  ): void {
    const message = this.templates.render(name, to, {
      username: user.username,
      site: this.site,
      link: '',
      expires_in: '',
      new_email: '',
      ...values,
    });
    this.queue.deliver(message, name);
  }

  /** Messages on their way, and messages dropped because the queue was full (metrics). */
  get queueState(): { queued: number; dropped: number } {
    return { queued: this.queue.size, dropped: this.queue.dropped };
  }

  /** Resolves when every queued message has been handed over (or failed). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** What registration, resetting and the profile share. */
export interface SelfServiceContext {
  store: Store;
  clock: Clock;
  ids: IdSource;
  passwords: PasswordHasher;
  policy: PasswordPolicy;
  events: SecurityEvents;
  mail: AccountMail;
  throttle: Throttle;
  /** Device cookies: a signed-in browser's own budget for the current-password checks too. */
  devices?: TrustedDevices;
  /** An absolute URL on this server, for links in e-mails. */
  url(path: string): string;
}

/** Announces something a user did on the account pages. */
export function announce(
  context: Pick<SelfServiceContext, 'events' | 'clock'>,
  type: AccountEventType,
  user: Pick<UserRecord, 'id' | 'username'>,
  address: string,
  details?: Record<string, string>,
): void {
  context.events.emit({
    type,
    userId: user.id,
    username: user.username,
    actor: 'user',
    at: context.clock.now(),
    address,
    ...(details ? { details } : {}),
  });
}
