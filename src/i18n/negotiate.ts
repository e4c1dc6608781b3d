import { DEFAULT_LANGUAGE, type Language, LANGUAGES, supportedLanguage } from './languages.js';

/**
 * The language of a page, from the strongest signal to the weakest: the OpenID Connect
 * `ui_locales` of the authorization request being served (Core §3.1.2.1, space-separated, in
 * order of preference), the language switcher's cookie, the browser's Accept-Language
 * (RFC 9110 §12.5.4, with q-values), then English. A tag not supported as is falls back to a
 * language written in the same script (firstSupported): fr-CA → fr, zh-SG → zh-CN, but zh-TW never
 * gets zh-CN.
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

/** Each supported language's language subtag, script and region, as CLDR's likely subtags complete them. */
const SUPPORTED = LANGUAGES.map(({ tag }) => ({ tag, ...subtagsOf(tag)! }));

function subtagsOf(tag: string): { language: string; script?: string; region?: string; bare: boolean } | undefined {
  try {
    const locale = new Intl.Locale(tag);
    const likely = locale.maximize();
    return {
      language: likely.language,
      script: likely.script,
      region: likely.region,
      bare: locale.script === undefined && locale.region === undefined,
    };
  } catch {
    return undefined; // Not a language tag Intl knows (x-klingon): only an exact match would do.
  }
}

/**
 * The first of `tags` supported as is, or else by a language of the same language subtag and
 * script (the region preferred if it is also the same): fr-CA → fr, zh, zh-Hans and zh-SG → zh-CN.
 * A reader of Traditional Chinese (zh-TW, zh-HK, zh-Hant) does not get Simplified: the next tag
 * decides. Nor does the bare `zh` that browsers add after zh-TW: a bare language takes the
 * script of the first, more specific tag of it in the list.
 */
function firstSupported(tags: readonly string[]): Language | undefined {
  const scripts = new Map<string, string | undefined>();
  for (const tag of tags.slice(0, 32)) {
    const exact = supportedLanguage(tag);
    if (exact) return exact;
    const asked = subtagsOf(tag);
    if (!asked) continue;
    if (!asked.bare && !scripts.has(asked.language)) scripts.set(asked.language, asked.script);
    const script = asked.bare && scripts.has(asked.language) ? scripts.get(asked.language) : asked.script;
    const candidates = SUPPORTED.filter((s) => s.language === asked.language && s.script === script);
    const match = candidates.find((s) => s.region === asked.region) ?? candidates[0];
    if (match) return match.tag as Language;
  }
  return undefined;
}

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
