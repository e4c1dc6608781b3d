import { describe, expect, it } from 'vitest';
import { translatorFor } from '../../i18n/translator.js';
import { FormState } from './fields.js';
import { PageText, text } from './page.js';

const t = new PageText(translatorFor('en'));
const attributes = (form: FormState, name: string, ...hints: string[]) => form.attributes(name, ...hints).value;

describe('a form error tied to its fields', () => {
  it('no error: only the hints are described, the default field has the focus, nothing is invalid', () => {
    const form = new FormState(undefined, 'e', ['password', 'password_again'], 'password');
    expect(form.alert(t)).toBe('');
    expect(attributes(form, 'password', 'rule')).toBe(' aria-describedby="rule" autofocus');
    expect(attributes(form, 'password_again')).toBe('');
  });

  it('an error about a field: every field says it, that field is invalid and has the focus', () => {
    const form = new FormState(text('problem.passwordsDiffer'), 'e', ['password', 'password_again'], 'password');
    expect(form.alert(t).toString()).toBe('<p class="alert" role="alert" id="e">The two passwords do not match.</p>');
    expect(attributes(form, 'password', 'rule')).toBe(' aria-describedby="e rule"');
    expect(attributes(form, 'password_again')).toBe(' aria-describedby="e" aria-invalid="true" autofocus');
  });

  it('an error about no field (wait, then try again): described, nothing invalid, the default focus', () => {
    const form = new FormState(text('login.throttled', { seconds: 4 }), 'e', ['username', 'password'], 'username');
    expect(attributes(form, 'username')).toBe(' aria-describedby="e" autofocus');
    expect(attributes(form, 'password')).toBe(' aria-describedby="e"');
  });

  it('a field the form does not list (read-only) is never invalid nor focused', () => {
    const form = new FormState(text('login.incorrect'), 'e', ['password'], 'password');
    expect(attributes(form, 'username')).toBe(' aria-describedby="e"');
    expect(attributes(form, 'password')).toBe(' aria-describedby="e" aria-invalid="true" autofocus');
  });
});
