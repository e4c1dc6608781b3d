import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MailMessage } from './mailer.js';

/**
 * The e-mails Gatehouse sends. Each has a subject, a plain-text body and an HTML body, with
 * {{placeholders}}. A folder (mail.templates) can replace any of them: NAME.txt (its first
 * line is "Subject: …", then a blank line, then the body) and NAME.html. Values are
 * HTML-escaped in the HTML body.
 */
export type TemplateName =
  | 'confirmation'
  | 'resetting'
  | 'password_changed'
  | 'email_changed'
  | 'already_registered'
  | 'email_change'
  | 'email_change_requested'
  | 'email_in_use';

export const TEMPLATE_NAMES: readonly TemplateName[] = [
  'confirmation',
  'resetting',
  'password_changed',
  'email_changed',
  'already_registered',
  'email_change',
  'email_change_requested',
  'email_in_use',
];

/** Every placeholder a template may use. */
export interface TemplateValues {
  /** The account's username. */
  username: string;
  /** The site's name: the issuer's host. */
  site: string;
  /** The link to follow (confirmation, resetting, email_change; already_registered: the reset page). Empty otherwise. */
  link: string;
  /** How long the link works, in words ("24 hours"). */
  expires_in: string;
  /** The new e-mail address (email_changed, email_change, email_change_requested). */
  new_email: string;
}

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;
const KNOWN = new Set<string>(['username', 'site', 'link', 'expires_in', 'new_email']);

interface Template {
  subject: string;
  text: string;
  html: string;
}

const wrap = (body: string) =>
  `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111827;max-width:560px">${body}</body></html>\n`;
const button = (label: string) =>
  `<p><a href="{{link}}" style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">${label}</a></p><p style="color:#6b7280;font-size:14px">Or paste this address into your browser:<br>{{link}}</p>`;

const BUILT_IN: Record<TemplateName, Template> = {
  confirmation: {
    subject: 'Confirm your e-mail address for {{site}}',
    text: `Hello {{username}},

To finish creating your account on {{site}}, open this link:

{{link}}

You will be asked for the password you chose. The link works for {{expires_in}}, once. If you did not sign up, ignore this e-mail: the account will not be activated.
`,
    html: wrap(
      `<p>Hello {{username}},</p><p>To finish creating your account on {{site}}, confirm your e-mail address.</p>${button('Confirm my e-mail address')}<p>You will be asked for the password you chose. The link works for {{expires_in}}, once. If you did not sign up, ignore this e-mail: the account will not be activated.</p>`,
    ),
  },
  resetting: {
    subject: 'Reset your password for {{site}}',
    text: `Hello {{username}},

Someone (hopefully you) asked to reset the password of your account on {{site}}. To choose a new password, open this link:

{{link}}

The link works for {{expires_in}}, once. Setting a new password signs you out everywhere and disconnects the apps using your account.

If you did not ask for this, ignore this e-mail: your password stays as it is.
`,
    html: wrap(
      `<p>Hello {{username}},</p><p>Someone (hopefully you) asked to reset the password of your account on {{site}}.</p>${button('Choose a new password')}<p>The link works for {{expires_in}}, once. Setting a new password signs you out everywhere and disconnects the apps using your account.</p><p>If you did not ask for this, ignore this e-mail: your password stays as it is.</p>`,
    ),
  },
  password_changed: {
    subject: 'Your password for {{site}} was changed',
    text: `Hello {{username}},

The password of your account on {{site}} was just changed.

If this was not you, reset your password now with "Forgot your password?" on the sign-in page.
`,
    html: wrap(
      `<p>Hello {{username}},</p><p>The password of your account on {{site}} was just changed.</p><p>If this was not you, reset your password now with “Forgot your password?” on the sign-in page.</p>`,
    ),
  },
  email_changed: {
    subject: 'Your e-mail address on {{site}} was changed',
    text: `Hello {{username}},

The e-mail address of your account on {{site}} was changed to {{new_email}}. Messages about your account now go there.

If this was not you, contact the administrators of {{site}}.
`,
    html: wrap(
      `<p>Hello {{username}},</p><p>The e-mail address of your account on {{site}} was changed to <strong>{{new_email}}</strong>. Messages about your account now go there.</p><p>If this was not you, contact the administrators of {{site}}.</p>`,
    ),
  },
  email_change: {
    subject: 'Confirm your new e-mail address for {{site}}',
    text: `Hello {{username}},

You asked to change the e-mail address of your account on {{site}} to this one, {{new_email}}. To confirm, open this link:

{{link}}

You will be asked for your password. The link works for {{expires_in}}, once. Until you follow it, your account keeps its current address. If you did not ask for this, ignore this e-mail: nothing will change.
`,
    html: wrap(
      `<p>Hello {{username}},</p><p>You asked to change the e-mail address of your account on {{site}} to this one, <strong>{{new_email}}</strong>.</p>${button('Confirm my new e-mail address')}<p>You will be asked for your password. The link works for {{expires_in}}, once. Until you follow it, your account keeps its current address. If you did not ask for this, ignore this e-mail: nothing will change.</p>`,
    ),
  },
  email_change_requested: {
    subject: 'A change of your e-mail address on {{site}} was asked for',
    text: `Hello {{username}},

Someone signed in to your account on {{site}} asked to change its e-mail address to {{new_email}}. A confirmation link was sent there; your address changes only if it is followed (with your password).

If this was not you, change your password now (or use "Forgot your password?" on the sign-in page): the link then stops being of any use, and your other devices are signed out.
`,
    html: wrap(
      `<p>Hello {{username}},</p><p>Someone signed in to your account on {{site}} asked to change its e-mail address to <strong>{{new_email}}</strong>. A confirmation link was sent there; your address changes only if it is followed (with your password).</p><p>If this was not you, change your password now (or use “Forgot your password?” on the sign-in page): the link then stops being of any use, and your other devices are signed out.</p>`,
    ),
  },
  email_in_use: {
    subject: 'Your e-mail address on {{site}} was given for another account',
    text: `Hello {{username}},

Someone (perhaps you, from another account) tried to make this e-mail address the address of an account on {{site}}. It already belongs to your account, whose username is {{username}}, and it stays yours: nothing has changed.

If it was not you, you need not do anything.
`,
    html: wrap(
      `<p>Hello {{username}},</p><p>Someone (perhaps you, from another account) tried to make this e-mail address the address of an account on {{site}}. It already belongs to your account, whose username is <strong>{{username}}</strong>, and it stays yours: nothing has changed.</p><p>If it was not you, you need not do anything.</p>`,
    ),
  },
  already_registered: {
    subject: 'You already have an account on {{site}}',
    text: `Hello {{username}},

Someone (perhaps you) tried to sign up on {{site}} with this e-mail address. It already belongs to your account, whose username is {{username}}.

If you forgot your password, you can choose a new one here:

{{link}}

If it was not you, ignore this e-mail: nothing has changed.
`,
    html: wrap(
      `<p>Hello {{username}},</p><p>Someone (perhaps you) tried to sign up on {{site}} with this e-mail address. It already belongs to your account, whose username is <strong>{{username}}</strong>.</p><p>If you forgot your password, you can <a href="{{link}}">choose a new one</a>.</p><p>If it was not you, ignore this e-mail: nothing has changed.</p>`,
    ),
  },
};

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

function checkPlaceholders(file: string, text: string): void {
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (!KNOWN.has(match[1]!)) {
      throw new TemplateError(`${file}: unknown placeholder {{${match[1]}}} (known: ${[...KNOWN].join(', ')})`);
    }
  }
}

/** "Subject: …", a blank line, then the body. */
function parseTextTemplate(file: string, content: string): { subject: string; text: string } {
  const match = /^Subject:[ \t]*(.+)\r?\n\r?\n([\s\S]*)$/.exec(content);
  if (!match) throw new TemplateError(`${file}: must start with a "Subject: …" line, then a blank line, then the body`);
  return { subject: match[1]!.trim(), text: match[2]! };
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export class MailTemplates {
  private readonly templates: Record<TemplateName, Template>;

  /** Reads the overrides in `folder` (if any) now, so a broken template stops start-up, not a sign-up. */
  constructor(folder?: string) {
    this.templates = { ...BUILT_IN };
    if (folder === undefined) return;
    if (!existsSync(folder)) throw new TemplateError(`mail.templates: folder ${folder} not found`);
    for (const name of TEMPLATE_NAMES) {
      const textFile = join(folder, `${name}.txt`);
      const htmlFile = join(folder, `${name}.html`);
      const replaced = { ...this.templates[name] };
      if (existsSync(textFile)) {
        const content = readFileSync(textFile, 'utf8');
        checkPlaceholders(textFile, content);
        Object.assign(replaced, parseTextTemplate(textFile, content));
      }
      if (existsSync(htmlFile)) {
        replaced.html = readFileSync(htmlFile, 'utf8');
        checkPlaceholders(htmlFile, replaced.html);
      }
      this.templates[name] = replaced;
    }
  }

  render(name: TemplateName, to: string, values: TemplateValues): MailMessage {
    const template = this.templates[name];
    const fill = (text: string, escapeValue: (value: string) => string) =>
      text.replace(PLACEHOLDER, (_, key: keyof TemplateValues) => escapeValue(values[key] ?? ''));
    return {
      to,
      // A header must stay on one line whatever a username contains.
      subject: fill(template.subject, (value) => value).replace(/[\r\n]+/g, ' '),
      text: fill(template.text, (value) => value),
      html: fill(template.html, escapeHtml),
    };
  }
}

/**
 * 86400 → "24 hours", 172800 → "2 days", 5400 → "90 minutes", 90 → "90 seconds": exact or
 * rounded down, so an e-mail never promises a link works longer than it does.
 */
export function durationInWords(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds >= 172_800 && seconds % 86_400 === 0) return plural(seconds / 86_400, 'day');
  if (seconds >= 3600 && seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds >= 60 && seconds % 60 === 0) return plural(seconds / 60, 'minute');
  if (seconds >= 120) return plural(Math.floor(seconds / 60), 'minute');
  return plural(seconds, 'second');
}
