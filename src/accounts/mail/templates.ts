import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageKey } from '../../i18n/catalogs/en.js';
import { currentLanguage } from '../../i18n/current.js';
import { durationInWords as inWords } from '../../i18n/duration.js';
import { DEFAULT_LANGUAGE, LANGUAGES, supportedLanguage } from '../../i18n/languages.js';
import { translatorFor } from '../../i18n/translator.js';
import type { MailMessage } from './mailer.js';

/**
 * The e-mails Gatehouse sends, in each language of i18n/languages.ts. Each has a subject, a
 * plain-text body and an HTML body, with {{placeholders}}. A folder (mail.templates) can replace
 * any of them: NAME.txt (its first line is "Subject: …", then a blank line, then the body) and
 * NAME.html for every language, NAME.LANG.txt and NAME.LANG.html (NAME.fr.txt) for one. Values
 * are HTML-escaped in the HTML body.
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

/**
 * A built-in e-mail, from the catalog of its language (i18n/catalogs): paragraphs in both parts,
 * some in one part only (the text part says "open this link:", the HTML part has a button), the
 * link as a button (HTML) or a line of its own (text). Markup is here, never in the catalog.
 */
type Part = { p: MessageKey } | { text: MessageKey } | { html: MessageKey } | { button: MessageKey } | { url: true };

const BUILT_IN: Record<TemplateName, { subject: MessageKey; parts: Part[] }> = {
  confirmation: {
    subject: 'mail.confirmation.subject',
    parts: [
      { p: 'mail.hello' },
      { text: 'mail.confirmation.openLink' },
      { html: 'mail.confirmation.intro' },
      { button: 'mail.confirmation.button' },
      { p: 'mail.confirmation.outro' },
    ],
  },
  resetting: {
    subject: 'mail.resetting.subject',
    parts: [
      { p: 'mail.hello' },
      { text: 'mail.resetting.openLink' },
      { html: 'mail.resetting.intro' },
      { button: 'mail.resetting.button' },
      { p: 'mail.resetting.outro' },
      { p: 'mail.resetting.ignore' },
    ],
  },
  password_changed: {
    subject: 'mail.password_changed.subject',
    parts: [{ p: 'mail.hello' }, { p: 'mail.password_changed.body' }, { p: 'mail.password_changed.notYou' }],
  },
  email_changed: {
    subject: 'mail.email_changed.subject',
    parts: [{ p: 'mail.hello' }, { p: 'mail.email_changed.body' }, { p: 'mail.email_changed.notYou' }],
  },
  email_change: {
    subject: 'mail.email_change.subject',
    parts: [
      { p: 'mail.hello' },
      { text: 'mail.email_change.openLink' },
      { html: 'mail.email_change.intro' },
      { button: 'mail.email_change.button' },
      { p: 'mail.email_change.outro' },
    ],
  },
  email_change_requested: {
    subject: 'mail.email_change_requested.subject',
    parts: [
      { p: 'mail.hello' },
      { p: 'mail.email_change_requested.body' },
      { p: 'mail.email_change_requested.notYou' },
    ],
  },
  email_in_use: {
    subject: 'mail.email_in_use.subject',
    parts: [{ p: 'mail.hello' }, { p: 'mail.email_in_use.body' }, { p: 'mail.email_in_use.notYou' }],
  },
  already_registered: {
    subject: 'mail.already_registered.subject',
    parts: [
      { p: 'mail.hello' },
      { p: 'mail.already_registered.body' },
      { text: 'mail.already_registered.openLink' },
      { url: true },
      { html: 'mail.already_registered.choose' },
      { p: 'mail.already_registered.ignore' },
    ],
  },
};

/** Markup made here, passed through as it is (everything else in the HTML part is escaped). */
class Markup {
  constructor(readonly value: string) {}
}

const wrap = (body: string, lang: string, dir: string) =>
  `<!doctype html><html lang="${lang}" dir="${dir}"><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#111827;max-width:560px">${body}</body></html>\n`;

function htmlOf(parts: Array<string | Markup>): string {
  return parts.map((part) => (part instanceof Markup ? part.value : escapeHtml(part))).join('');
}

/** A built-in e-mail in `language`, its values still {{placeholders}} (filled as an operator's templates are). */
function builtIn(name: TemplateName, language: string): Template {
  const t = translatorFor(language);
  const values = Object.fromEntries([...KNOWN].map((key) => [key, `{{${key}}}`]));
  const plain = (chunks: unknown[]) => chunks.join('');
  const textOf = (key: MessageKey) => t.text(key, { ...values, b: plain, a: plain } as never);
  const richOf = (key: MessageKey) =>
    htmlOf(
      t.parts<Markup>(key, {
        ...values,
        b: (chunks) => new Markup(`<strong>${htmlOf(chunks)}</strong>`),
        a: (chunks) => new Markup(`<a href="{{link}}">${htmlOf(chunks)}</a>`),
      }),
    );
  const text: string[] = [];
  const html: string[] = [];
  for (const part of BUILT_IN[name].parts) {
    if ('p' in part) {
      text.push(textOf(part.p));
      html.push(`<p>${richOf(part.p)}</p>`);
    } else if ('text' in part) text.push(textOf(part.text));
    else if ('html' in part) html.push(`<p>${richOf(part.html)}</p>`);
    else if ('url' in part) text.push('{{link}}');
    else {
      text.push('{{link}}');
      html.push(
        `<p><a href="{{link}}" style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">${richOf(part.button)}</a></p><p style="color:#6b7280;font-size:14px">${richOf('mail.pasteLink')}<br>{{link}}</p>`,
      );
    }
  }
  return {
    subject: textOf(BUILT_IN[name].subject),
    text: `${text.join('\n\n')}\n`,
    html: wrap(html.join(''), t.language, t.dir),
  };
}

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
  /** Each language's e-mails, composed on its first e-mail (the catalog's messages compile then). */
  private readonly templates = new Map<string, Record<TemplateName, Template>>();
  /** The operator's files, by language ('' for NAME.txt and NAME.html), read at start-up. */
  private readonly overrides = new Map<string, Partial<Record<TemplateName, Partial<Template>>>>();

  /**
   * Reads the overrides in `folder` (if any) now, so a broken template stops start-up, not a
   * sign-up. For each language, each part comes from NAME.LANG.txt / NAME.LANG.html, else from
   * NAME.txt / NAME.html (every language), else from the built-in e-mail in that language.
   */
  constructor(folder?: string) {
    if (folder === undefined) return;
    if (!existsSync(folder)) throw new TemplateError(`mail.templates: folder ${folder} not found`);
    checkLanguages(folder);
    for (const suffix of ['', ...LANGUAGES.map(({ tag }) => `.${tag}`)]) {
      const found: Partial<Record<TemplateName, Partial<Template>>> = {};
      for (const name of TEMPLATE_NAMES) found[name] = readOverride(folder, `${name}${suffix}`);
      this.overrides.set(suffix.slice(1), found);
    }
  }

  private templatesIn(language: string): Record<TemplateName, Template> {
    const tag = supportedLanguage(language) ?? DEFAULT_LANGUAGE;
    let templates = this.templates.get(tag);
    if (!templates) {
      templates = {} as Record<TemplateName, Template>;
      for (const name of TEMPLATE_NAMES) {
        templates[name] = {
          ...builtIn(name, tag),
          ...this.overrides.get('')?.[name],
          ...this.overrides.get(tag)?.[name],
        };
      }
      this.templates.set(tag, templates);
    }
    return templates;
  }

  /** The e-mail in `language` (by default, the language of the page request that causes it). */
  render(name: TemplateName, to: string, values: TemplateValues, language: string = currentLanguage()): MailMessage {
    const template = this.templatesIn(language)[name];
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

/** An operator's NAME.txt and NAME.html (either may be missing): the parts they replace. */
function readOverride(folder: string, base: string): Partial<Template> {
  const textFile = join(folder, `${base}.txt`);
  const htmlFile = join(folder, `${base}.html`);
  const replaced: Partial<Template> = {};
  if (existsSync(textFile)) {
    const content = readFileSync(textFile, 'utf8');
    checkPlaceholders(textFile, content);
    Object.assign(replaced, parseTextTemplate(textFile, content));
  }
  if (existsSync(htmlFile)) {
    replaced.html = readFileSync(htmlFile, 'utf8');
    checkPlaceholders(htmlFile, replaced.html);
  }
  return replaced;
}

/** NAME.LANG.txt for a language Gatehouse does not have is a mistake (a typo, a missing catalog): said at start-up. */
function checkLanguages(folder: string): void {
  for (const file of readdirSync(folder)) {
    const match = /^([a-z_]+)\.([^.]+)\.(txt|html)$/.exec(file);
    if (!match || !(TEMPLATE_NAMES as readonly string[]).includes(match[1]!)) continue;
    if (!supportedLanguage(match[2]!) || supportedLanguage(match[2]!) !== match[2]) {
      throw new TemplateError(
        `${join(folder, file)}: no language ${match[2]} (languages: ${LANGUAGES.map(({ tag }) => tag).join(', ')})`,
      );
    }
  }
}

/** How long a link works, in words, in `language` (by default the current request's): "24 hours". */
export function durationInWords(seconds: number, language: string = currentLanguage()): string {
  return inWords(translatorFor(language), seconds);
}
