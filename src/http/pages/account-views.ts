import { DISPLAY_NAME_MAX_LENGTH } from '../../accounts/canonical.js';
import type { UserGrantRecord } from '../../storage/store.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** The self-service pages: sign-up, password reset and the account page. */

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;
const alert = (message: string | undefined) => (message ? html`<p class="alert" role="alert">${message}</p>` : '');
const notice = (message: string | undefined) => (message ? html`<p class="notice" role="status">${message}</p>` : '');

export interface RegisterView {
  csrfToken: string;
  returnTo: string | null;
  username?: string;
  email?: string;
  error?: string;
  passwordRule: string;
}

export function registerPage(view: RegisterView): string {
  return layout(
    'Create an account',
    html`<h1>Create an account</h1>
<p class="lead">Choose a username and a password.</p>
${alert(view.error)}
<form method="post" action="/register">
${hidden('csrf_token', view.csrfToken)}
${view.returnTo ? hidden('return_to', view.returnTo) : ''}
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="64" required autofocus>
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" value="${view.email ?? ''}" autocomplete="email" maxlength="254" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<label for="password_again">Password again</label>
<input id="password_again" name="password_again" type="password" autocomplete="new-password" required>
<button class="primary" type="submit">Create account</button>
</form>
<p class="note">${view.passwordRule}</p>
<p class="links"><a href="/login${view.returnTo ? `?return_to=${encodeURIComponent(view.returnTo)}` : ''}">I already have an account</a></p>`,
  );
}

export function checkYourEmailPage(view: {
  title: string;
  message: string;
  expiresIn: string;
  /** Where "Back to sign in" goes: /login, or /login carrying the authorization the sign-up was for. */
  signInHref?: string;
}): string {
  return layout(
    view.title,
    html`<h1>${view.title}</h1>
<p class="lead">${view.message}</p>
<p>The link works for ${view.expiresIn}. Nothing there? Look in your spam folder, or ask again in a few minutes.</p>
<p class="links"><a href="${view.signInHref ?? '/login'}">Back to sign in</a></p>`,
  );
}

export function confirmPage(view: { csrfToken: string; token: string; username: string; error?: string }): string {
  return layout(
    'Confirm your e-mail address',
    html`<h1>Confirm your e-mail address</h1>
<p class="lead">and activate the account <strong>${view.username}</strong>. Enter the password you chose when you signed up.</p>
${alert(view.error)}
<form method="post" action="/register/confirm">
${hidden('csrf_token', view.csrfToken)}
${hidden('token', view.token)}
<input type="text" name="username" value="${view.username}" autocomplete="username" hidden>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button class="primary" type="submit">Confirm and activate my account</button>
</form>
<p class="note">Not your account? Then someone else signed up with your address: ignore this page and the e-mail, and the account will not be activated.</p>`,
  );
}

export function resetRequestPage(view: { csrfToken: string; username?: string; error?: string }): string {
  return layout(
    'Reset your password',
    html`<h1>Reset your password</h1>
<p class="lead">Enter your username or e-mail address. If it matches an account, we will e-mail you a link to choose a new password.</p>
${alert(view.error)}
<form method="post" action="/reset">
${hidden('csrf_token', view.csrfToken)}
<label for="username">Username or e-mail address</label>
<input id="username" name="username" type="text" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
<button class="primary" type="submit">Send me a link</button>
</form>
<p class="links"><a href="/login">Back to sign in</a></p>`,
  );
}

export function resetPasswordPage(view: {
  csrfToken: string;
  token: string;
  username: string;
  error?: string;
  passwordRule: string;
}): string {
  return layout(
    'Choose a new password',
    html`<h1>Choose a new password</h1>
<p class="lead">for <strong>${view.username}</strong>. You will be signed out everywhere, and apps using your account will have to be allowed again.</p>
${alert(view.error)}
<form method="post" action="/reset/password">
${hidden('csrf_token', view.csrfToken)}
${hidden('token', view.token)}
<input type="text" name="username" value="${view.username}" autocomplete="username" hidden>
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required autofocus>
<label for="password_again">New password again</label>
<input id="password_again" name="password_again" type="password" autocomplete="new-password" required>
<button class="primary" type="submit">Set my new password</button>
</form>
<p class="note">${view.passwordRule}</p>`,
  );
}

/** The page an e-mail change link opens: the account's password, then one button. */
export function emailConfirmPage(view: {
  csrfToken: string;
  token: string;
  username: string;
  newEmail: string;
  error?: string;
}): string {
  return layout(
    'Confirm your new e-mail address',
    html`<h1>Confirm your new e-mail address</h1>
<p class="lead">The account <strong>${view.username}</strong> will use <strong>${view.newEmail}</strong> from now on. Enter the account's password to confirm.</p>
${alert(view.error)}
<form method="post" action="/account/email/confirm">
${hidden('csrf_token', view.csrfToken)}
${hidden('token', view.token)}
<input type="text" name="username" value="${view.username}" autocomplete="username" hidden>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button class="primary" type="submit">Confirm my new e-mail address</button>
</form>
<p class="note">Did not ask for this? Ignore this page: the address of the account does not change.</p>`,
  );
}

/** After an e-mail change link was followed. */
export function emailChangedPage(view: { email: string }): string {
  return layout(
    'E-mail address changed',
    html`<h1>E-mail address changed</h1>
<p class="lead">Your account now uses <strong>${view.email}</strong>. Messages about it go there from now on.</p>
<p class="links"><a href="/account">Your account</a></p>`,
  );
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
  notice?: string;
  /** The form that failed, with what was typed into it. */
  profileError?: string;
  nameError?: string;
  passwordError?: string;
  typed?: { username?: string; email?: string; name?: string };
  passwordRule: string;
  formatTime(seconds: number): string;
}

export function accountPage(view: AccountView): string {
  const apps = view.grants.length
    ? html`<ul class="apps">${view.grants.map(
        (grant) =>
          html`<li><div><strong>${grant.clientName}</strong><small>${grant.scopes.length ? grant.scopes.join(' ') : 'no scopes'} · ${
            grant.consentedAt !== null
              ? `allowed ${view.formatTime(grant.consentedAt)}`
              : `signed in ${view.formatTime(grant.lastIssuedAt ?? 0)}`
          }</small></div><form method="post" action="/account/apps/revoke">${hidden('csrf_token', view.csrfToken)}${hidden('client_id', grant.clientId)}<button class="secondary" type="submit" aria-label="Remove access for ${grant.clientName}">Remove access</button></form></li>`,
      )}</ul>`
    : html`<p class="empty">No app has access to your account.</p>`;
  return layout(
    'Your account',
    html`<h1>Your account</h1>
<p class="lead">Signed in as <strong>${view.username}</strong>.</p>
${notice(view.notice)}
<h2 id="name">Your name</h2>
<p>Apps you sign in to with this account see this name.</p>
${alert(view.nameError)}
<form method="post" action="/account/name">
${hidden('csrf_token', view.csrfToken)}
<label for="display_name">Name</label>
<input id="display_name" name="name" type="text" value="${view.typed?.name ?? view.displayName ?? ''}" autocomplete="name" maxlength="${DISPLAY_NAME_MAX_LENGTH}">
<button class="primary" type="submit">Save name</button>
</form>
<h2 id="profile">Profile</h2>
${alert(view.profileError)}
<form method="post" action="/account/profile">
${hidden('csrf_token', view.csrfToken)}
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${view.typed?.username ?? view.username}" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="64" required>
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" value="${view.typed?.email ?? view.email}" autocomplete="email" maxlength="254" required>
<p class="note" id="email_status">${
      view.emailVerified
        ? 'This address is verified: you followed a link we sent to it.'
        : 'This address is not verified yet: apps are told so. Changing it sends a link to the new address, which verifies it.'
    }</p>
<label for="profile_current_password">Current password</label>
<input id="profile_current_password" name="current_password" type="password" autocomplete="current-password" required>
<button class="primary" type="submit">Save profile</button>
</form>
<h2 id="password">Change password</h2>
${alert(view.passwordError)}
<form method="post" action="/account/password">
${hidden('csrf_token', view.csrfToken)}
<input type="text" name="username" value="${view.username}" autocomplete="username" hidden>
<label for="current_password">Current password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" required>
<label for="new_password">New password</label>
<input id="new_password" name="password" type="password" autocomplete="new-password" required>
<label for="new_password_again">New password again</label>
<input id="new_password_again" name="password_again" type="password" autocomplete="new-password" required>
<button class="primary" type="submit">Change password</button>
</form>
<p class="note">${view.passwordRule} Changing it signs you out on your other devices.</p>
<h2 id="apps">Apps with access</h2>
${apps}
<h2>Sign out</h2>
<form method="post" action="/logout">
${hidden('csrf_token', view.logoutCsrfToken)}
<button class="secondary" type="submit">Sign out</button>
</form>`,
  );
}
