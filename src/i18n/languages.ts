import { de } from './catalogs/de.js';
import { en, type Catalog } from './catalogs/en.js';
import { es } from './catalogs/es.js';
import { fr } from './catalogs/fr.js';
import { it } from './catalogs/it.js';
import { ja } from './catalogs/ja.js';
import { nl } from './catalogs/nl.js';
import { pl } from './catalogs/pl.js';
import { zhCN } from './catalogs/zh-CN.js';
import { ptBR } from './catalogs/pt-BR.js';

/**
 * The languages of the pages and e-mails, in the order the language switcher lists them:
 * English (the source) first, then the others by their own names, Latin script before the rest.
 * English is the source: every other catalog is typed against its keys. Adding a language is
 * its catalog file in catalogs/ and one line here; its direction (ltr, rtl) follows from its tag.
 */
export const LANGUAGES = [
  { tag: 'en', name: 'English', catalog: en },
  { tag: 'de', name: 'Deutsch', catalog: de },
  { tag: 'es', name: 'Español', catalog: es },
  { tag: 'fr', name: 'Français', catalog: fr },
  { tag: 'it', name: 'Italiano', catalog: it },
  { tag: 'nl', name: 'Nederlands', catalog: nl },
  { tag: 'pl', name: 'Polski', catalog: pl },
  { tag: 'pt-BR', name: 'Português (Brasil)', catalog: ptBR },
  { tag: 'ja', name: '日本語', catalog: ja },
  { tag: 'zh-CN', name: '简体中文', catalog: zhCN },
] as const satisfies readonly LanguageEntry[];

export interface LanguageEntry {
  /** A BCP 47 tag as browsers send it in Accept-Language (lower case language, e.g. "pt-BR"). */
  tag: string;
  /** The language's name in itself, for the switcher. */
  name: string;
  catalog: Catalog;
}

export type Language = (typeof LANGUAGES)[number]['tag'];

/** The language when nothing else says: the source language. */
export const DEFAULT_LANGUAGE: Language = 'en';

const BY_TAG = new Map<string, LanguageEntry>(LANGUAGES.map((entry) => [entry.tag.toLowerCase(), entry]));

/** The supported language `tag` names exactly (case-insensitive), or undefined. */
export function supportedLanguage(tag: string): Language | undefined {
  return BY_TAG.get(tag.toLowerCase())?.tag as Language | undefined;
}

export function catalogOf(language: string): Catalog {
  return (BY_TAG.get(language.toLowerCase()) ?? BY_TAG.get(DEFAULT_LANGUAGE)!).catalog;
}

/** Scripts written right to left, for runtimes whose Intl.Locale has no text info. */
const RTL_LANGUAGES = new Set(['ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'iw', 'ks', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);

/** The writing direction of a language, for `<html dir>`: from Intl (CLDR) when it knows. */
export function directionOf(tag: string): 'ltr' | 'rtl' {
  try {
    const locale = new Intl.Locale(tag) as Intl.Locale & {
      textInfo?: { direction?: string };
      getTextInfo?: () => { direction?: string };
    };
    const direction = locale.getTextInfo?.().direction ?? locale.textInfo?.direction;
    if (direction === 'rtl' || direction === 'ltr') return direction;
    return RTL_LANGUAGES.has(locale.language) ? 'rtl' : 'ltr';
  } catch {
    return 'ltr';
  }
}
