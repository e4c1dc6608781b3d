import { DISPLAY_NAME_MAX_LENGTH } from '../../accounts/canonical.js';
import type { UserGrantRecord } from '../../storage/store.js';
import { durationInWords } from '../../i18n/duration.js';
import { FormState } from './fields.js';
import { html } from './html.js';
import { layout } from './layout.js';
import type { Page, PageText, Text } from './page.js';

/** The self-service pages: sign-up, password reset and the account page. */

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;
const notice = (t: PageText, message: Text | undefined) =>
  message ? html`<p class="notice" role="status">${t.say(message)}</p>` : '';
/** The password policy in words, under every form that sets a password (the new password fields point to it). */
const rule = (t: PageText, minLength: number) => t.text('password.rule', { min: minLength });
const RULE_ID = 'password-rule';

export interface RegisterView {
  csrfToken: string;
  returnTo: string | null;
  username?: string;
  email?: string;
  error?: Text;
  passwordMinLength: number;
}

export function registerPage(view: RegisterView): Page {
  return (context) => {
    const { t } = context;
    const form = new FormState(
      view.error,
      'register-error',
      ['username', 'email', 'password', 'password_again'],
      'username',
    );
    return layout(
      context,
      t.text('register.title'),
      html`<h1>${t.text('register.title')}</h1>
<p class="lead">${t.text('register.lead')}</p>
${form.alert(t)}
<form method="post" action="/register">
${hidden('csrf_token', view.csrfToken)}
${view.returnTo ? hidden('return_to', view.returnTo) : ''}
<label for="username">${t.text('login.username')}</label>
<input id="username" name="username" type="text" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="64" required${form.attributes('username')}>
<label for="email">${t.text('register.email')}</label>
<input id="email" name="email" type="email" value="${view.email ?? ''}" autocomplete="email" maxlength="254" required${form.attributes('email')}>
<label for="password">${t.text('login.password')}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required${form.attributes('password', RULE_ID)}>
<label for="password_again">${t.text('register.passwordAgain')}</label>
<input id="password_again" name="password_again" type="password" autocomplete="new-password" required${form.attributes('password_again')}>
<button class="primary" type="submit">${t.text('register.submit')}</button>
</form>
<p class="note" id="${RULE_ID}">${rule(t, view.passwordMinLength)}</p>
<p class="links"><a href="/login${view.returnTo ? `?return_to=${encodeURIComponent(view.returnTo)}` : ''}">${t.text('register.haveAccount')}</a></p>`,
    );
  };
}

export function checkYourEmailPage(view: {
  message: Text;
  /** How long the link works, in seconds. */
  expiresIn: number;
  /** Where "Back to sign in" goes: /login, or /login carrying the authorization the sign-up was for. */
  signInHref?: string;
}): Page {
  return (context) => {
    const { t } = context;
    return layout(
      context,
      t.text('checkEmail.title'),
      html`<h1>${t.text('checkEmail.title')}</h1>
<p class="lead">${t.say(view.message)}</p>
<p>${t.text('checkEmail.expires', { duration: durationInWords(t, view.expiresIn) })}</p>
<p class="links"><a href="${view.signInHref ?? '/login'}">${t.text('common.backToSignIn')}</a></p>`,
    );
  };
}

export function confirmPage(view: { csrfToken: string; token: string; username: string; error?: Text }): Page {
  return (context) => {
    const { t } = context;
    const form = new FormState(view.error, 'confirm-error', ['password'], 'password');
    return layout(
      context,
      t.text('confirm.title'),
      html`<h1>${t.text('confirm.title')}</h1>
<p class="lead">${t.rich('confirm.lead', { username: view.username })}</p>
${form.alert(t)}
<form method="post" action="/register/confirm">
${hidden('csrf_token', view.csrfToken)}
${hidden('token', view.token)}
<input type="text" name="username" value="${view.username}" autocomplete="username" hidden>
<label for="password">${t.text('login.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${form.attributes('password')}>
<button class="primary" type="submit">${t.text('confirm.submit')}</button>
</form>
<p class="note">${t.text('confirm.notYours')}</p>`,
    );
  };
}

export function resetRequestPage(view: { csrfToken: string; username?: string; error?: Text }): Page {
  return (context) => {
    const { t } = context;
    const form = new FormState(view.error, 'reset-error', ['username'], 'username');
    return layout(
      context,
      t.text('reset.title'),
      html`<h1>${t.text('reset.title')}</h1>
<p class="lead">${t.text('reset.lead')}</p>
${form.alert(t)}
<form method="post" action="/reset">
${hidden('csrf_token', view.csrfToken)}
<label for="username">${t.text('reset.login')}</label>
<input id="username" name="username" type="text" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required${form.attributes('username')}>
<button class="primary" type="submit">${t.text('reset.submit')}</button>
</form>
<p class="links"><a href="/login">${t.text('common.backToSignIn')}</a></p>`,
    );
  };
}

export function resetPasswordPage(view: {
  csrfToken: string;
  token: string;
  username: string;
  error?: Text;
  passwordMinLength: number;
}): Page {
  return (context) => {
    const { t } = context;
    const form = new FormState(view.error, 'reset-password-error', ['password', 'password_again'], 'password');
    return layout(
      context,
      t.text('resetPassword.title'),
      html`<h1>${t.text('resetPassword.title')}</h1>
<p class="lead">${t.rich('resetPassword.lead', { username: view.username })}</p>
${form.alert(t)}
<form method="post" action="/reset/password">
${hidden('csrf_token', view.csrfToken)}
${hidden('token', view.token)}
<input type="text" name="username" value="${view.username}" autocomplete="username" hidden>
<label for="password">${t.text('resetPassword.new')}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required${form.attributes('password', RULE_ID)}>
<label for="password_again">${t.text('resetPassword.newAgain')}</label>
<input id="password_again" name="password_again" type="password" autocomplete="new-password" required${form.attributes('password_again')}>
<button class="primary" type="submit">${t.text('resetPassword.submit')}</button>
</form>
<p class="note" id="${RULE_ID}">${rule(t, view.passwordMinLength)}</p>`,
    );
  };
}

/** The page an e-mail change link opens: the account's password, then one button. */
export function emailConfirmPage(view: {
  csrfToken: string;
  token: string;
  username: string;
  newEmail: string;
  error?: Text;
}): Page {
  return (context) => {
    const { t } = context;
    const form = new FormState(view.error, 'email-confirm-error', ['password'], 'password');
    return layout(
      context,
      t.text('emailConfirm.title'),
      html`<h1>${t.text('emailConfirm.title')}</h1>
<p class="lead">${t.rich('emailConfirm.lead', { username: view.username, email: view.newEmail })}</p>
${form.alert(t)}
<form method="post" action="/account/email/confirm">
${hidden('csrf_token', view.csrfToken)}
${hidden('token', view.token)}
<input type="text" name="username" value="${view.username}" autocomplete="username" hidden>
<label for="password">${t.text('login.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${form.attributes('password')}>
<button class="primary" type="submit">${t.text('emailConfirm.submit')}</button>
</form>
<p class="note">${t.text('emailConfirm.notAsked')}</p>`,
    );
  };
}

/** After an e-mail change link was followed. */
export function emailChangedPage(view: { email: string }): Page {
  return (context) => {
    const { t } = context;
    return layout(
      context,
      t.text('emailChanged.title'),
      html`<h1>${t.text('emailChanged.title')}</h1>
<p class="lead">${t.rich('emailChanged.lead', { email: view.email })}</p>
<p class="links"><a href="/account">${t.text('common.yourAccount')}</a></p>`,
    );
  };
}

export interface AccountView {
  username: string;
  email: string;
  /** OIDC `name`; null: not set. */
  displayName: string | null;
  /** OIDC `email_verified`. */
  emailVerified: boolean;
  csrfToken: string;
  logoutCsrfToken: string;
  grants: UserGrantRecord[];
  notice?: Text;
  /** The form that failed, with what was typed into it. */
  profileError?: Text;
  nameError?: Text;
  passwordError?: Text;
  typed?: { username?: string; email?: string; name?: string };
  passwordMinLength: number;
}

export function accountPage(view: AccountView): Page {
  return (context) => {
    const { t } = context;
    const apps = view.grants.length
      ? html`<ul class="apps">${view.grants.map(
          (grant) =>
            html`<li><div><strong>${grant.clientName}</strong><small>${grant.scopes.length ? grant.scopes.join(' ') : t.text('account.noScopes')} · ${
              grant.consentedAt !== null
                ? t.text('account.allowedOn', { date: t.date(grant.consentedAt) })
                : t.text('account.signedInOn', { date: t.date(grant.lastIssuedAt ?? 0) })
            }</small></div><form method="post" action="/account/apps/revoke">${hidden('csrf_token', view.csrfToken)}${hidden('client_id', grant.clientId)}<button class="secondary" type="submit" aria-label="${t.text('account.removeAccessFor', { app: grant.clientName })}">${t.text('account.removeAccess')}</button></form></li>`,
        )}</ul>`
      : html`<p class="empty">${t.text('account.noApps')}</p>`;
    const nameForm = new FormState(view.nameError, 'name-error', ['name']);
    const profileForm = new FormState(view.profileError, 'profile-error', ['username', 'email', 'current_password']);
    const passwordForm = new FormState(view.passwordError, 'password-error', [
      'current_password',
      'password',
      'password_again',
    ]);
    return layout(
      context,
      t.text('account.title'),
      html`<h1>${t.text('account.title')}</h1>
<p class="lead">${t.rich('account.lead', { username: view.username })}</p>
${notice(t, view.notice)}
<h2 id="name">${t.text('account.nameHeading')}</h2>
<p>${t.text('account.nameLead')}</p>
${nameForm.alert(t)}
<form method="post" action="/account/name">
${hidden('csrf_token', view.csrfToken)}
<label for="display_name">${t.text('account.name')}</label>
<input id="display_name" name="name" type="text" value="${view.typed?.name ?? view.displayName ?? ''}" autocomplete="name" maxlength="${DISPLAY_NAME_MAX_LENGTH}"${nameForm.attributes('name')}>
<button class="primary" type="submit">${t.text('account.saveName')}</button>
</form>
<h2 id="profile">${t.text('account.profileHeading')}</h2>
${profileForm.alert(t)}
<form method="post" action="/account/profile">
${hidden('csrf_token', view.csrfToken)}
<label for="username">${t.text('login.username')}</label>
<input id="username" name="username" type="text" value="${view.typed?.username ?? view.username}" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="64" required${profileForm.attributes('username')}>
<label for="email">${t.text('register.email')}</label>
<input id="email" name="email" type="email" value="${view.typed?.email ?? view.email}" autocomplete="email" maxlength="254" required${profileForm.attributes('email', 'email_status')}>
<p class="note" id="email_status">${t.text(view.emailVerified ? 'account.verified' : 'account.unverified')}</p>
<label for="profile_current_password">${t.text('account.currentPassword')}</label>
<input id="profile_current_password" name="current_password" type="password" autocomplete="current-password" required${profileForm.attributes('current_password')}>
<button class="primary" type="submit">${t.text('account.saveProfile')}</button>
</form>
<h2 id="password">${t.text('account.passwordHeading')}</h2>
${passwordForm.alert(t)}
<form method="post" action="/account/password">
${hidden('csrf_token', view.csrfToken)}
<input type="text" name="username" value="${view.username}" autocomplete="username" hidden>
<label for="current_password">${t.text('account.currentPassword')}</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required${passwordForm.attributes('current_password')}>
<label for="new_password">${t.text('resetPassword.new')}</label>
<input id="new_password" name="password" type="password" autocomplete="new-password" required${passwordForm.attributes('password', RULE_ID)}>
<label for="new_password_again">${t.text('resetPassword.newAgain')}</label>
<input id="new_password_again" name="password_again" type="password" autocomplete="new-password" required${passwordForm.attributes('password_again')}>
<button class="primary" type="submit">${t.text('account.changePassword')}</button>
</form>
<p class="note" id="${RULE_ID}">${t.text('account.passwordNote', { rule: rule(t, view.passwordMinLength) })}</p>
<h2 id="apps">${t.text('account.appsHeading')}</h2>
${apps}
<h2>${t.text('common.signOut')}</h2>
<form method="post" action="/logout">
${hidden('csrf_token', view.logoutCsrfToken)}
<button class="secondary" type="submit">${t.text('common.signOut')}</button>
</form>`,
    );
  };
}
