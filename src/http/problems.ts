import type { MessageKey } from '../i18n/catalogs/en.js';
import { sentence } from './pages/html.js';
import { text, type Text } from './pages/page.js';

/**
 * The account services word their form problems in English for every edge (the CLI prints
 * them as they are); a page says them in its language. Each known problem has its catalog
 * message (with its numbers as values); one not listed here is shown in English, as a sentence.
 */
const PROBLEMS: ReadonlyArray<
  readonly [RegExp, MessageKey, (match: RegExpExecArray) => Record<string, string | number>]
> = [
  [/^the two passwords do not match$/, 'problem.passwordsDiffer', () => ({})],
  [/^password must be at least (\d+) characters$/, 'problem.passwordTooShort', (m) => ({ min: Number(m[1]) })],
  [/^password must be at most (\d+) characters$/, 'problem.passwordTooLong', (m) => ({ max: Number(m[1]) })],
  [/^password must not be the username or e-mail address$/, 'problem.passwordIsName', () => ({})],
  [/^the current password is incorrect$/, 'problem.currentPasswordIncorrect', () => ({})],
  [/^your password was changed meanwhile: sign in again$/, 'problem.passwordChangedMeanwhile', () => ({})],
  [/^a user with this username already exists$/, 'problem.usernameTaken', () => ({})],
  [/^a user with this e-mail address already exists$/, 'problem.emailTaken', () => ({})],
  [/^e-mail address is not valid$/, 'problem.emailInvalid', () => ({})],
  [/^username must be 1–64 letters/, 'problem.usernameInvalid', () => ({})],
  [
    /^username mixes letters of different scripts \((.*)\), which/,
    'problem.usernameMixedScripts',
    (m) => ({ scripts: m[1]! }),
  ],
  [/^name must be at most (\d+) characters$/, 'problem.nameTooLong', (m) => ({ max: Number(m[1]) })],
  [/^name must not contain control characters/, 'problem.nameControl', () => ({})],
];

export function problemText(message: string): Text {
  for (const [pattern, key, values] of PROBLEMS) {
    const match = pattern.exec(message);
    if (match) return text(key, values(match));
  }
  return text('problem.other', { message: sentence(message) });
}
