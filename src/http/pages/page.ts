import type { MessageKey } from '../../i18n/catalogs/en.js';
import { LANGUAGES } from '../../i18n/languages.js';
import type { MessageValues, Translator } from '../../i18n/translator.js';
import { html, SafeHtml } from './html.js';

/** A message a route chose for a page (an error, a notice), said in the page's language. */
export interface Text {
  key: MessageKey;
  values?: MessageValues;
}

export const text = (key: MessageKey, values?: MessageValues): Text => (values ? { key, values } : { key });

type Tag = (chunks: Array<string | SafeHtml>) => SafeHtml;

const BOLD: Tag = (chunks) => html`<strong>${chunks}</strong>`;

/**
 * The catalog of a page's language, for views. Markup stays here: a message's `<b>` becomes
 * `<strong>`, other tags are what the view passes; the catalog's text and every value are
 * escaped (html.ts), whatever a translation or a username contains.
 */
export class PageText {
  constructor(readonly translator: Translator) {}

  get language(): string {
    return this.translator.language;
  }

  get dir(): 'ltr' | 'rtl' {
    return this.translator.dir;
  }

  /** Plain text: escaped where a view interpolates it. */
  text(key: MessageKey, values?: MessageValues): string {
    return this.translator.text(key, values);
  }

  /** Text with the message's tags made markup: `<b>` → `<strong>`, others from `tags`. */
  rich(key: MessageKey, values: MessageValues = {}, tags: Record<string, Tag> = {}): SafeHtml {
    const parts = this.translator.parts<SafeHtml>(key, { b: BOLD, ...values, ...tags });
    return html`${parts}`;
  }

  /** A message a route chose (see Text). */
  say(message: Text): SafeHtml {
    return this.rich(message.key, message.values);
  }

  date(seconds: number): string {
    return this.translator.date(seconds);
  }
}

const OIDC_SCOPES: Readonly<Record<string, MessageKey>> = {
  openid: 'scope.openid',
  profile: 'scope.profile',
  email: 'scope.email',
  offline_access: 'scope.offline_access',
};

/** What the consent page says for an OpenID scope (Core §5.4, §11) unless scope_descriptions says otherwise. */
export function oidcScopeText(scope: string): Text | undefined {
  return Object.hasOwn(OIDC_SCOPES, scope) ? text(OIDC_SCOPES[scope]!) : undefined;
}

/** What every page knows besides its own data: its language and its own address. */
export interface PageContext {
  t: PageText;
  /** This page's address on this server, for the language switcher to come back to; null: /login. */
  here: string | null;
}

/** A page, rendered once its language is known (browser.ts sendPage). */
export type Page = (context: PageContext) => string;

/**
 * Links to the same page in each other language: plain links (no script runs on these pages),
 * each named in its own language. /language sets the cookie and comes back (routes/language.ts).
 */
export function languageSwitcher(context: PageContext): SafeHtml {
  const back = context.here ? `&return_to=${encodeURIComponent(context.here)}` : '';
  return html`<nav class="languages" aria-label="${context.t.text('layout.languages')}"><ul>${LANGUAGES.map(
    ({ tag, name }) =>
      tag === context.t.language
        ? html`<li><span lang="${tag}" aria-current="true">${name}</span></li>`
        : html`<li><a href="/language?lang=${tag}${back}" lang="${tag}" hreflang="${tag}">${name}</a></li>`,
  )}</ul></nav>`;
}

export { SafeHtml };
