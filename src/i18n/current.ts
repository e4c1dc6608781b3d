import { AsyncLocalStorage } from 'node:async_hooks';
import { DEFAULT_LANGUAGE, type Language } from './languages.js';

/**
 * The language of the request being served, for what it causes further down: an e-mail goes
 * out in the language of the page that caused it (the sign-up, reset or account page), without
 * every account service taking a language argument. The HTTP layer runs each page request in
 * `inLanguageOf`; anything else (the CLI, a test calling a service) gets English.
 */
const current = new AsyncLocalStorage<() => Language>();

/** Runs `next` with the request's language, worked out when first asked for (it may change until then: ui_locales). */
export function inLanguageOf(language: () => Language, next: () => void): void {
  current.run(language, next);
}

export function currentLanguage(): Language {
  return current.getStore()?.() ?? DEFAULT_LANGUAGE;
}
