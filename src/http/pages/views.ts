import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

/** Every page the browser sees: pure functions from data to HTML. */

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;

const CHECK = html`<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="10" fill="#d1fae5"/><path d="M6 10.5l2.5 2.5L14 7.5" fill="none" stroke="#047857" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export interface LoginView {
  csrfToken: string;
  returnTo: string | null;
  /** The app the user is signing in for, when known. */
  clientName: string | null;
  username?: string;
  error?: string;
  /** Good news from the step before (e-mail confirmed, password reset). */
  notice?: string;
  /** Offer "Create an account" (registration.enabled). */
  registrationOpen: boolean;
  /** The signed-in user must enter their password again (OpenID prompt=login, max_age): their username, fixed. */
  reauthenticate?: { username: string; notYou: string };
}

export function loginPage(view: LoginView): string {
  const registerHref = `/register${view.returnTo ? `?return_to=${encodeURIComponent(view.returnTo)}` : ''}`;
  const again = view.reauthenticate;
  return layout(
    again ? 'Sign in again' : 'Sign in',
    html`<h1>${again ? 'Sign in again' : 'Sign in'}</h1>
<p class="lead">${view.clientName ? html`to continue to <strong>${view.clientName}</strong>` : 'with your Gatehouse account'}</p>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
${view.error ? html`<p class="alert" role="alert">${view.error}</p>` : ''}
<form method="post" action="/login">
${hidden('csrf_token', view.csrfToken)}
${view.returnTo ? hidden('return_to', view.returnTo) : ''}
<label for="username">Username</label>
${
  again
    ? html`<input id="username" name="username" type="text" value="${again.username}" autocomplete="username" readonly>
<p class="note"><a href="${again.notYou}">Not you?</a></p>`
    : html`<input id="username" name="username" type="text" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>`
}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${again ? html` autofocus` : ''}>
<button class="primary" type="submit">Sign in</button>
</form>
<p class="note">You can sign in with your username or your email address.</p>
<p class="links"><a href="/reset">Forgot your password?</a>${view.registrationOpen ? html`<a href="${registerHref}">Create an account</a>` : ''}</p>`,
  );
}

export function signedInPage(view: { username: string; csrfToken: string }): string {
  return layout(
    'Signed in',
    html`<h1>You are signed in</h1>
<p class="lead">as <strong>${view.username}</strong>.</p>
<p><a href="/account">Your account</a></p>
<form method="post" action="/logout">
${hidden('csrf_token', view.csrfToken)}
<button class="secondary" type="submit">Sign out</button>
</form>`,
  );
}

export interface ConsentView {
  clientName: string;
  /** Where the browser goes afterwards, shown so the user can spot a look-alike app. */
  redirectHost: string;
  /** Each scope with its configured description, if any. */
  scopes: { name: string; description?: string }[];
  username: string;
  csrfToken: string;
  /** The opaque id of the authorization request kept on the server: the form's only reference to it. */
  consentId: string;
  /** Whether the answer is remembered (not for apps whose identity cannot be assured, RFC 8252 §8.6). */
  remembered: boolean;
  /** This authorization as a URL of this server: "Not you?" signs out and comes back to it. */
  resumeUrl: string;
}

export function consentPage(view: ConsentView): string {
  const items: SafeHtml[] = view.scopes.length
    ? view.scopes.map(
        (scope) =>
          html`<li>${CHECK}<div><span>${scope.description ?? scope.name}</span>${scope.description ? html`<code>${scope.name}</code>` : ''}</div></li>`,
      )
    : [html`<li>${CHECK}<div><span>Know who you are on this server</span></div></li>`];
  return layout(
    'Authorize access',
    html`<h1><strong>${view.clientName}</strong> wants to access your account</h1>
<p class="lead">It is asking for permission to:</p>
<ul class="scopes">${items}</ul>
<div class="account"><span>Signed in as <strong>${view.username}</strong></span><a href="/logout?return_to=${encodeURIComponent(view.resumeUrl)}">Not you?</a></div>
<form method="post" action="/oauth/authorize">
${hidden('csrf_token', view.csrfToken)}
${hidden('consent_id', view.consentId)}
<div class="actions">
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
</div>
</form>
<p class="note">Allowing sends you back to <strong>${view.redirectHost}</strong>.${view.remembered ? ' You will not be asked again for these permissions.' : ' You will be asked again next time: Gatehouse cannot verify which app on your device this is.'}</p>`,
  );
}

export function logoutPage(view: { username: string; csrfToken: string; returnTo: string | null }): string {
  return layout(
    'Sign out',
    html`<h1>Sign out?</h1>
<p class="lead">You are signed in as <strong>${view.username}</strong>.${view.returnTo ? ' You can then sign in with another account.' : ''}</p>
<form method="post" action="/logout">
${hidden('csrf_token', view.csrfToken)}
${view.returnTo ? hidden('return_to', view.returnTo) : ''}
<button class="primary" type="submit">Sign out</button>
</form>`,
  );
}

export function signedOutPage(): string {
  return layout(
    'Signed out',
    html`<h1>You are signed out</h1>
<p class="lead">You can close this window.</p>
<p><a href="/login">Sign in again</a></p>`,
  );
}

export interface ErrorView {
  title: string;
  message: string;
  /** The precise reason, for the developer of the app that sent the user here. */
  detail?: string;
}

export function errorPage(view: ErrorView): string {
  return layout(
    view.title,
    html`<h1>${view.title}</h1>
<p class="lead">${view.message}</p>
${view.detail ? html`<p class="detail">${view.detail}</p>` : ''}`,
  );
}
