import { DEFAULT_LANGUAGE, LANGUAGES, type Language, supportedLanguage } from './languages.js';

/**
 * The language of a page, from the strongest signal to the weakest: the OpenID Connect
 * `ui_locales` of the authorization request being served (Core §3.1.2.1, space-separated, in
 * order of preference), the language switcher's cookie, the browser's Accept-Language
 * (RFC 9110 §12.5.4, with q-values), then English. A regional tag falls back to its language
 * (fr-CA → fr) when the region itself is not supported, then to its language as written in
 * another region (pt-PT, pt → pt-BR: a Portuguese reader is better served so than in English),
 * but never across scripts (zh-TW, Traditional Chinese, would not get zh-CN, Simplified).
 */
export interface LanguageSignals {
  uiLocales?: string | undefined;
  cookie?: string | undefined;
  acceptLanguage?: string | undefined;
}

export function negotiateLanguage(signals: LanguageSignals): Language {
  return (
    firstSupported(signals.uiLocales?.split(' ').filter(Boolean) ?? []) ??
    (signals.cookie === undefined ? undefined : supportedLanguage(signals.cookie)) ??
    firstSupported(acceptedLanguages(signals.acceptLanguage)) ??
    DEFAULT_LANGUAGE
  );
}

/** The first of `tags` supported as is, by its language alone (fr-CA → fr), or in another region (pt-PT → pt-BR). */
function firstSupported(tags: readonly string[]): Language | undefined {
  for (const tag of tags.slice(0, 32)) {
    const match = supportedLanguage(tag) ?? supportedLanguage(tag.split('-')[0]!) ?? BY_WRITING.get(writingOf(tag));
    if (match) return match;
  }
  return undefined;
}

/** A tag's language and script, the script as usually written where not given (pt-PT → pt-Latn, zh-TW → zh-Hant). */
function writingOf(tag: string): string {
  try {
    const { language, script } = new Intl.Locale(tag).maximize();
    return `${language}-${script ?? ''}`;
  } catch {
    return ''; // Not a tag Intl knows (x-klingon): no other region to fall back to.
  }
}

/** The first listed language of each language and script (pt-Latn → pt-BR). */
const BY_WRITING = new Map<string, Language>();
for (const { tag } of LANGUAGES) if (!BY_WRITING.has(writingOf(tag))) BY_WRITING.set(writingOf(tag), tag);

const RANGE = /^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*$/;

/** Accept-Language's ranges, most preferred first (a stable sort: equal q keep their order); q=0 and `*` left out. */
export function acceptedLanguages(header: string | undefined): string[] {
  if (!header || header.length > 1024) return [];
  const ranges: { tag: string; q: number; index: number }[] = [];
  header.split(',').forEach((part, index) => {
    const match = RANGE.exec(part);
    if (!match) return;
    const q = match[2] === undefined ? 1 : Number(match[2]);
    if (match[1] !== '*' && q > 0) ranges.push({ tag: match[1]!, q, index });
  });
  return ranges.sort((a, b) => b.q - a.q || a.index - b.index).map((range) => range.tag);
}
