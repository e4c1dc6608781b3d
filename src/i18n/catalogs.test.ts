import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { en, type MessageKey } from './catalogs/en.js';
import { durationInWords } from './duration.js';
import { LANGUAGES } from './languages.js';
import { translatorFor } from './translator.js';

/** ICU MessageFormat element types (@formatjs/icu-messageformat-parser TYPE). */
const KINDS = ['literal', 'argument', 'number', 'date', 'time', 'select', 'plural', 'pound', 'tag'] as const;

interface Element {
  type: number;
  value?: string;
  options?: Record<string, { value: Element[] }>;
  children?: Element[];
}

/** A message's placeholders as "name:kind" (plural, date, number, plain argument) and its tags as "<name>". */
function signature(message: string, locale: string): { placeholders: string[]; plurals: string[][] } {
  const found = new Set<string>();
  const plurals: string[][] = [];
  const walk = (elements: Element[]) => {
    for (const element of elements) {
      const kind = KINDS[element.type];
      if (kind === 'tag') found.add(`<${element.value}>`);
      else if (kind !== 'literal' && kind !== 'pound') found.add(`${element.value}:${kind}`);
      if (element.options) {
        if (kind === 'plural') plurals.push(Object.keys(element.options));
        for (const option of Object.values(element.options)) walk(option.value);
      }
      if (element.children) walk(element.children);
    }
  };
  walk(new IntlMessageFormat(message, locale).getAst() as unknown as Element[]);
  return { placeholders: [...found].sort(), plurals };
}

const KEYS = Object.keys(en) as MessageKey[];

describe('the message catalogs', () => {
  for (const { tag, catalog } of LANGUAGES) {
    describe(tag, () => {
      it('has a message for every English key, and no other key', () => {
        const missing = KEYS.filter((key) => typeof catalog[key] !== 'string' || catalog[key] === '');
        const extra = Object.keys(catalog).filter((key) => !Object.hasOwn(en, key));
        expect(missing, `${tag}: missing keys`).toEqual([]);
        expect(extra, `${tag}: keys English does not have`).toEqual([]);
      });

      it('keeps every placeholder of the English message, with its kind (plural, date, …), and its tags', () => {
        const wrong: string[] = [];
        for (const key of KEYS) {
          const source = signature(en[key], 'en').placeholders.join(' ');
          const translated = signature(catalog[key], tag).placeholders.join(' ');
          if (source !== translated) wrong.push(`${tag} ${key}: {${translated}} instead of {${source}}`);
        }
        expect(wrong).toEqual([]);
      });

      it("gives every plural an 'other' form and only forms its plural rules know (Japanese has 'other' alone)", () => {
        const categories = new Set([...new Intl.PluralRules(tag).resolvedOptions().pluralCategories, 'zero', 'one']);
        const wrong: string[] = [];
        for (const key of KEYS) {
          for (const forms of signature(catalog[key], tag).plurals) {
            if (!forms.includes('other')) wrong.push(`${tag} ${key}: no 'other' form`);
            const unknown = forms.filter((form) => !form.startsWith('=') && !categories.has(form as never));
            if (unknown.length) wrong.push(`${tag} ${key}: unknown plural forms ${unknown.join(', ')}`);
          }
        }
        expect(wrong).toEqual([]);
      });

      it('formats every message with values of the right kind', () => {
        const t = translatorFor(tag);
        const tagFn = (chunks: unknown[]) => chunks.join('');
        for (const key of KEYS) {
          const values = Object.fromEntries(
            signature(en[key], 'en').placeholders.map((entry) => {
              if (entry.startsWith('<')) return [entry.slice(1, -1), tagFn];
              const [name, kind] = entry.split(':') as [string, string];
              return [name, kind === 'plural' || kind === 'number' ? 2 : kind === 'date' ? new Date(0) : 'x'];
            }),
          );
          expect(() => t.text(key, values as never), `${tag} ${key}`).not.toThrow();
        }
      });
    });
  }

  it('counts in the forms of each language: Polish one, few, many and other; Chinese one form', () => {
    const say = (language: string, seconds: number) => durationInWords(translatorFor(language), seconds);
    expect([1, 2, 5, 22, 25, 112].map((n) => say('pl', n * 60))).toEqual([
      '1 minutę',
      '2 minuty',
      '5 minut',
      '22 minuty',
      '25 minut',
      '112 minut',
    ]);
    expect([3600, 7200, 18_000].map((n) => say('pl', n))).toEqual(['1 godzinę', '2 godziny', '5 godzin']);
    expect([172_800, 432_000].map((n) => say('pl', n))).toEqual(['2 dni', '5 dni']);
    expect(translatorFor('pl').text('password.rule', { min: 1 })).toMatch(/^Co najmniej 1 znak;/);
    expect(translatorFor('pl').text('password.rule', { min: 12 })).toMatch(/^Co najmniej 12 znaków;/);
    expect(translatorFor('pl').text('password.rule', { min: 24 })).toMatch(/^Co najmniej 24 znaki;/);
    expect([1, 2].map((n) => say('nl', n * 86_400 + 86_400))).toEqual(['2 dagen', '3 dagen']);
    expect([3600, 7200].map((n) => say('nl', n))).toEqual(['1 uur', '2 uur']);
    expect([1, 2].map((n) => say('nl', n))).toEqual(['1 seconde', '2 seconden']);
    expect([1, 30].map((n) => say('zh-CN', n * 60))).toEqual(['1 分钟', '30 分钟']);
    expect(translatorFor('zh-CN').text('login.busy', { seconds: 3 })).toContain('请在 3 秒后重试');
  });

  it("counts as each language does: Spanish, Italian and Portuguese say 'de'/'di' before a round million (CLDR many)", () => {
    expect(translatorFor('es').text('duration.seconds', { count: 1 })).toBe('1 segundo');
    expect(translatorFor('es').text('duration.seconds', { count: 1_000_000 })).toBe('1.000.000 de segundos');
    expect(translatorFor('it').text('duration.days', { count: 2_000_000 })).toBe('2.000.000 di giorni');
    expect(translatorFor('it').text('duration.days', { count: 1_500_000 })).toBe('1.500.000 giorni');
    expect(translatorFor('pt-BR').text('duration.hours', { count: 1_000_000 })).toBe('1.000.000 de horas');
    expect(translatorFor('pt-BR').text('duration.hours', { count: 2 })).toBe('2 horas');
  });

  it('names every language in itself, once, with a well-formed tag', () => {
    const tags = LANGUAGES.map(({ tag }) => tag);
    expect(new Set(tags).size).toBe(tags.length);
    for (const tag of tags) expect(Intl.getCanonicalLocales(tag)).toEqual([tag]);
  });
});
