import type { MessageKey } from '../../i18n/catalogs/en.js';
import { html, type SafeHtml } from './html.js';
import type { PageText, Text } from './page.js';

/**
 * A form's error, tied to its fields (WCAG 1.3.1, 3.3.1): the alert has an id that every field of
 * the form names in aria-describedby, so a screen reader says the error on the field; the fields
 * the error is about are aria-invalid, and the first of them has the focus.
 */

/** The fields (by their form name) each error is about; an error not listed is about none (wait, try again). */
const FIELDS_OF: Partial<Record<MessageKey, readonly string[]>> = {
  'login.incorrect': ['username', 'password'],
  'login.missing': ['username', 'password'],
  'reset.missing': ['username'],
  'confirm.wrongPassword': ['password'],
  'emailConfirm.wrongPassword': ['password'],
  'device.invalidCode': ['user_code'],
  'problem.passwordsDiffer': ['password_again'],
  'problem.passwordTooShort': ['password'],
  'problem.passwordTooLong': ['password'],
  'problem.passwordIsName': ['password'],
  'problem.currentPasswordIncorrect': ['current_password'],
  'problem.usernameTaken': ['username'],
  'problem.usernameInvalid': ['username'],
  'problem.usernameMixedScripts': ['username'],
  'problem.emailTaken': ['email'],
  'problem.emailInvalid': ['email'],
  'problem.nameTooLong': ['name'],
  'problem.nameControl': ['name'],
};

export class FormState {
  private readonly invalid: readonly string[];
  private readonly focused: string | undefined;

  /**
   * @param id the alert's id (unique on the page)
   * @param fields the form's fields a person types into, in order (form names)
   * @param autofocus the field focused when there is no error (or one about no field)
   */
  constructor(
    readonly error: Text | undefined,
    readonly id: string,
    fields: readonly string[],
    autofocus?: string,
  ) {
    const about = error ? (FIELDS_OF[error.key] ?? []) : [];
    this.invalid = fields.filter((name) => about.includes(name));
    this.focused = this.invalid[0] ?? autofocus;
  }

  /** The alert, or nothing. */
  alert(t: PageText): SafeHtml | '' {
    return this.error ? html`<p class="alert" role="alert" id="${this.id}">${t.say(this.error)}</p>` : '';
  }

  /** A field's attributes: aria-describedby (the error, then `hints` ids), aria-invalid, autofocus. */
  attributes(name: string, ...hints: string[]): SafeHtml {
    const describedBy = [...(this.error ? [this.id] : []), ...hints].join(' ');
    return html`${describedBy ? html` aria-describedby="${describedBy}"` : ''}${this.invalid.includes(name) ? html` aria-invalid="true"` : ''}${this.focused === name ? html` autofocus` : ''}`;
  }
}
