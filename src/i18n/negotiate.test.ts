import { describe, expect, it } from 'vitest';
import { directionOf } from './languages.js';
import { acceptedLanguages, negotiateLanguage } from './negotiate.js';

describe('the language of a page', () => {
  it('is ui_locales first, then the cookie, then Accept-Language, then English', () => {
    const all = { uiLocales: 'fr', cookie: 'en', acceptLanguage: 'en' };
    expect(negotiateLanguage(all)).toBe('fr');
    expect(negotiateLanguage({ ...all, uiLocales: undefined, cookie: 'fr' })).toBe('fr');
    expect(negotiateLanguage({ cookie: undefined, acceptLanguage: 'fr' })).toBe('fr');
    expect(negotiateLanguage({ uiLocales: 'fr', cookie: 'en' })).toBe('fr');
    expect(negotiateLanguage({ uiLocales: 'en', cookie: 'fr', acceptLanguage: 'fr' })).toBe('en');
    expect(negotiateLanguage({})).toBe('en');
  });

  it('takes the first supported of ui_locales (space-separated), with fr-CA → fr', () => {
    expect(negotiateLanguage({ uiLocales: 'xx-YY fr-CA en', acceptLanguage: 'en' })).toBe('fr');
    expect(negotiateLanguage({ uiLocales: 'xx zz', cookie: 'fr' })).toBe('fr');
  });

  it('gives a Portuguese browser of any region Brazilian Portuguese, not English', () => {
    for (const acceptLanguage of ['pt-PT', 'pt', 'PT-pt', 'pt-AO;q=0.9, en;q=0.8', 'x-klingon, pt-PT, en;q=0.5']) {
      expect(negotiateLanguage({ acceptLanguage }), acceptLanguage).toBe('pt-BR');
    }
    expect(negotiateLanguage({ acceptLanguage: 'pt-br' })).toBe('pt-BR');
    expect(negotiateLanguage({ uiLocales: 'pt-PT', acceptLanguage: 'en' })).toBe('pt-BR');
    // In order of preference: a first choice of English stays English.
    expect(negotiateLanguage({ acceptLanguage: 'en, pt-PT' })).toBe('en');
    expect(negotiateLanguage({ acceptLanguage: 'en;q=0.5, pt-PT' })).toBe('pt-BR');
    // The cookie names a listed language exactly (the switcher wrote it).
    expect(negotiateLanguage({ cookie: 'pt', acceptLanguage: 'en' })).toBe('en');
    expect(negotiateLanguage({ cookie: 'pt-BR', acceptLanguage: 'en' })).toBe('pt-BR');
    // A language Gatehouse lacks in every region is still English.
    expect(negotiateLanguage({ acceptLanguage: 'gl-ES, ca' })).toBe('en');
  });

  it('ignores a cookie that names no listed language (tampered, or a language since removed)', () => {
    for (const cookie of ['', 'xx', 'fr-CA', '<script>', 'fr;', 'en fr']) {
      expect(negotiateLanguage({ cookie, acceptLanguage: 'en' }), cookie).toBe('en');
    }
    expect(negotiateLanguage({ cookie: 'FR' })).toBe('fr');
  });

  it('reads Accept-Language by q-value, in order for equal q, without q=0 and *', () => {
    expect(acceptedLanguages('de;q=0.5, fr-CA;q=0.9, en;q=0.8')).toEqual(['fr-CA', 'en', 'de']);
    expect(acceptedLanguages('ja, fr')).toEqual(['ja', 'fr']);
    expect(acceptedLanguages('fr;q=0, *;q=0.5, en')).toEqual(['en']);
    expect(acceptedLanguages('garbage;;q=x, fr')).toEqual(['fr']);
    expect(negotiateLanguage({ acceptLanguage: 'tlh-XX, fr-CA;q=0.9, en;q=0.8' })).toBe('fr');
    expect(negotiateLanguage({ acceptLanguage: 'en;q=0.2, fr-FR;q=0.3' })).toBe('fr');
    expect(negotiateLanguage({ acceptLanguage: 'fr;q=0' })).toBe('en');
    expect(negotiateLanguage({ acceptLanguage: 'x'.repeat(5000) })).toBe('en');
  });

  it('falls back by script: zh, zh-Hans, zh-CN and zh-SG get Simplified Chinese; Traditional Chinese never does', () => {
    for (const tag of ['zh', 'zh-Hans', 'zh-CN', 'zh-cn', 'zh-SG', 'zh-Hans-HK', 'zh-Hans-TW', 'zh-CN;q=0.5']) {
      expect(negotiateLanguage({ acceptLanguage: tag }), tag).toBe('zh-CN');
    }
    for (const tag of ['zh-TW', 'zh-HK', 'zh-MO', 'zh-Hant', 'zh-Hant-CN', 'zh-Hant-TW']) {
      expect(negotiateLanguage({ acceptLanguage: tag }), tag).toBe('en');
      expect(negotiateLanguage({ acceptLanguage: `${tag}, ja;q=0.5` }), tag).toBe('ja');
      expect(negotiateLanguage({ uiLocales: `${tag} fr`, acceptLanguage: 'en' }), tag).toBe('fr');
    }
    // What Chrome and Firefox send for Traditional Chinese: the bare zh they add means zh-TW's script.
    expect(negotiateLanguage({ acceptLanguage: 'zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7' })).toBe('en');
    expect(negotiateLanguage({ acceptLanguage: 'zh-HK,zh;q=0.8,de;q=0.5' })).toBe('de');
    expect(negotiateLanguage({ uiLocales: 'zh-Hant zh', cookie: 'fr' })).toBe('fr');
    // Simplified Chinese accepted in so many words, after Traditional, is still accepted.
    expect(negotiateLanguage({ acceptLanguage: 'zh-TW, zh-CN;q=0.8, en;q=0.5' })).toBe('zh-CN');
    expect(negotiateLanguage({ acceptLanguage: 'zh-TW, zh-Hans;q=0.8, en;q=0.5' })).toBe('zh-CN');
    // A bare zh first, or after Simplified, is Simplified.
    expect(negotiateLanguage({ acceptLanguage: 'zh, zh-TW;q=0.9' })).toBe('zh-CN');
    expect(negotiateLanguage({ acceptLanguage: 'zh-CN,zh;q=0.9,en;q=0.8' })).toBe('zh-CN');
    // The switcher's cookie names a listed language exactly (case aside).
    expect(negotiateLanguage({ cookie: 'zh-cn', acceptLanguage: 'en' })).toBe('zh-CN');
    expect(negotiateLanguage({ cookie: 'zh', acceptLanguage: 'en' })).toBe('en');
  });

  it('falls back from a region to its language for Dutch and Polish too, and skips ranges no language matches', () => {
    expect(negotiateLanguage({ acceptLanguage: 'nl-BE,nl;q=0.9' })).toBe('nl');
    expect(negotiateLanguage({ acceptLanguage: 'pl-PL' })).toBe('pl');
    expect(negotiateLanguage({ acceptLanguage: 'sr-Latn, tlh-XX, x-klingon, pl;q=0.5' })).toBe('pl');
    expect(negotiateLanguage({ acceptLanguage: 'fr-Latn-CA' })).toBe('fr');
  });

  it('has the direction of its script: right to left for Arabic and Hebrew', () => {
    expect(directionOf('ar')).toBe('rtl');
    expect(directionOf('he')).toBe('rtl');
    expect(directionOf('fa-IR')).toBe('rtl');
    expect(directionOf('fr')).toBe('ltr');
    expect(directionOf('ja')).toBe('ltr');
    expect(directionOf('not a tag')).toBe('ltr');
  });
});
