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

  it('has the direction of its script: right to left for Arabic and Hebrew', () => {
    expect(directionOf('ar')).toBe('rtl');
    expect(directionOf('he')).toBe('rtl');
    expect(directionOf('fa-IR')).toBe('rtl');
    expect(directionOf('fr')).toBe('ltr');
    expect(directionOf('ja')).toBe('ltr');
    expect(directionOf('not a tag')).toBe('ltr');
  });
});
