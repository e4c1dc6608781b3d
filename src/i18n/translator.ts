import { IntlMessageFormat } from 'intl-messageformat';
import type { Catalog, MessageKey } from './catalogs/en.js';
import { catalogOf, DEFAULT_LANGUAGE, directionOf, type Language, LANGUAGES } from './languages.js';

/** A value for a message's placeholder: text, a number (plural, number), a date, or markup for a tag. */
export type MessageValue<T> = string | number | Date | T | ((chunks: Array<string | T>) => T);
export type MessageValues<T = never> = Record<string, MessageValue<T>>;

/**
 * The messages of one language, each compiled once (on its first use) and kept: pages are
 * rendered on the hot path, and parsing ICU MessageFormat is the costly part.
 */
export class Translator {
  private readonly compiled = new Map<MessageKey, IntlMessageFormat>();
  private readonly plain = new Map<MessageKey, string>();
  readonly dir: 'ltr' | 'rtl';
  private readonly dates: Intl.DateTimeFormat;
  private readonly numbers: Intl.NumberFormat;

  /** `catalog`: the language's own unless given (a test's fake language). */
  constructor(
    readonly language: Language,
    private readonly catalog: Catalog = catalogOf(language),
  ) {
    this.dir = directionOf(language);
    this.dates = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' });
    this.numbers = new Intl.NumberFormat(language);
  }

  private message(key: MessageKey): IntlMessageFormat {
    let message = this.compiled.get(key);
    if (!message) {
      message = new IntlMessageFormat(this.catalog[key], this.language);
      this.compiled.set(key, message);
    }
    return message;
  }

  /** The message as plain text (not escaped: the caller escapes, as `html` does). */
  text(key: MessageKey, values?: MessageValues): string {
    // Most of a page's words take no value: formatted once.
    if (values === undefined) {
      const known = this.plain.get(key);
      if (known !== undefined) return known;
    }
    const formatted = this.message(key).format(values as Record<string, string | number | Date>);
    const out = Array.isArray(formatted) ? formatted.join('') : String(formatted);
    if (values === undefined) this.plain.set(key, out);
    return out;
  }

  /**
   * The message as parts: the catalog's text and the values as strings (for the caller to
   * escape), and whatever the tag functions made of the message's tags (`<b>…</b>`) as they made it.
   */
  parts<T extends object>(key: MessageKey, values: MessageValues<T>): Array<string | T> {
    const out = this.message(key).format<T>(values);
    return Array.isArray(out) ? (out as Array<string | T>) : [String(out)];
  }

  /** A date (a Unix time in seconds) in this language, as the account page shows it. */
  date(seconds: number): string {
    return this.dates.format(new Date(seconds * 1000));
  }

  number(value: number): string {
    return this.numbers.format(value);
  }
}

const TRANSLATORS = new Map<string, Translator>(LANGUAGES.map(({ tag }) => [tag, new Translator(tag)]));

/** The one Translator of a supported language (English for any other). */
export function translatorFor(language: string): Translator {
  return TRANSLATORS.get(language) ?? TRANSLATORS.get(DEFAULT_LANGUAGE)!;
}
