import type { Translator } from './translator.js';

/**
 * 86400 → "24 hours", 172800 → "2 days", 5400 → "90 minutes", 90 → "90 seconds", in the
 * translator's language: exact or rounded down, so a page or an e-mail never promises a link
 * works longer than it does.
 */
export function durationInWords(t: Pick<Translator, 'text'>, seconds: number): string {
  if (seconds >= 172_800 && seconds % 86_400 === 0) return t.text('duration.days', { count: seconds / 86_400 });
  if (seconds >= 3600 && seconds % 3600 === 0) return t.text('duration.hours', { count: seconds / 3600 });
  if (seconds >= 120 || (seconds >= 60 && seconds % 60 === 0))
    return t.text('duration.minutes', { count: Math.floor(seconds / 60) });
  return t.text('duration.seconds', { count: seconds });
}
