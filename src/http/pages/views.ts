import { FormState } from './fields.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import type { Page, PageText, Text } from './page.js';

/** Every page the browser sees: pure functions from data (and, at sending, a language) to HTML. */

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;

const CHECK = html`<svg viewBox="0 0 20 20" aria-hidden="true"><circle cx="10" cy="10" r="10" fill="#d1fae5"/><path d="M6 10.5l2.5 2.5L14 7.5" fill="none" stroke="#047857" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

/** A scope's description: the operator's (a string) or the catalog's (a Text), else its name. */
export function scopeText(t: PageText, scope: { name: string; description?: string | Text | undefined }) {
  const { description } = scope;
  if (description === undefined) return scope.name;
  return typeof description === 'string' ? description : t.say(description);
}

export interface LoginView {
  csrfToken: string;
  returnTo: string | null;
  /** The app the user is signing in for, when known. */
  clientName: string | null;
  username?: string;
  error?: Text;
  /** Good news from the step before (e-mail confirmed, password reset). */
  notice?: Text;
  /** Offer "Create an account" (registration.enabled). */
  registrationOpen: boolean;
  /** The signed-in user must enter their password again (OpenID prompt=login, max_age): their username, fixed. */
  reauthenticate?: { username: string; notYou: string };
}

export function loginPage(view: LoginView): Page {
  const registerHref = `/register${view.returnTo ? `?return_to=${encodeURIComponent(view.returnTo)}` : ''}`;
  const again = view.reauthenticate;
  return (context) => {
    const { t } = context;
    const title = t.text(again ? 'login.titleAgain' : 'login.title');
    const form = again
      ? new FormState(view.error, 'login-error', ['password'], 'password')
      : new FormState(view.error, 'login-error', ['username', 'password'], 'username');
    return layout(
      context,
      title,
      html`<h1>${title}</h1>
<p class="lead">${view.clientName ? t.rich('login.leadApp', { app: view.clientName }) : t.text('login.lead')}</p>
${view.notice ? html`<p class="notice" role="status">${t.say(view.notice)}</p>` : ''}
${form.alert(t)}
<form method="post" action="/login">
${hidden('csrf_token', view.csrfToken)}
${view.returnTo ? hidden('return_to', view.returnTo) : ''}
<label for="username">${t.text('login.username')}</label>
${
  again
    ? html`<input id="username" name="username" type="text" value="${again.username}" autocomplete="username" readonly${form.attributes('username')}>
<p class="note"><a href="${again.notYou}">${t.text('login.notYou')}</a></p>`
    : html`<input id="username" name="username" type="text" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required${form.attributes('username', 'login-hint')}>`
}
<label for="password">${t.text('login.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${form.attributes('password')}>
<button class="primary" type="submit">${t.text('login.submit')}</button>
</form>
<p class="note" id="login-hint">${t.text('login.hint')}</p>
<p class="links"><a href="/reset">${t.text('login.forgot')}</a>${view.registrationOpen ? html`<a href="${registerHref}">${t.text('login.register')}</a>` : ''}</p>`,
    );
  };
}

export function signedInPage(view: { username: string; csrfToken: string }): Page {
  return (context) => {
    const { t } = context;
    return layout(
      context,
      t.text('signedIn.title'),
      html`<h1>${t.text('signedIn.heading')}</h1>
<p class="lead">${t.rich('signedIn.lead', { username: view.username })}</p>
<p><a href="/account">${t.text('common.yourAccount')}</a></p>
<form method="post" action="/logout">
${hidden('csrf_token', view.csrfToken)}
<button class="secondary" type="submit">${t.text('common.signOut')}</button>
</form>`,
    );
  };
}

export interface ConsentView {
  clientName: string;
  /** Where the browser goes afterwards, shown so the user can spot a look-alike app. */
  redirectHost: string;
  /** Each scope with its configured description, if any. */
  scopes: { name: string; description?: string | Text | undefined }[];
  username: string;
  csrfToken: string;
  /** The opaque id of the authorization request kept on the server: the form's only reference to it. */
  consentId: string;
  /** Whether the answer is remembered (not for apps whose identity cannot be assured, RFC 8252 §8.6). */
  remembered: boolean;
  /** This authorization as a URL of this server: "Not you?" signs out and comes back to it. */
  resumeUrl: string;
}

export function consentPage(view: ConsentView): Page {
  return (context) => {
    const { t } = context;
    const items: SafeHtml[] = view.scopes.length
      ? view.scopes.map(
          (scope) =>
            html`<li>${CHECK}<div><span>${scopeText(t, scope)}</span>${scope.description ? html`<code>${scope.name}</code>` : ''}</div></li>`,
        )
      : [html`<li>${CHECK}<div><span>${t.text('common.knowWhoYouAre')}</span></div></li>`];
    return layout(
      context,
      t.text('consent.title'),
      html`<h1>${t.rich('consent.heading', { app: view.clientName })}</h1>
<p class="lead">${t.text('common.askingFor')}</p>
<ul class="scopes">${items}</ul>
<div class="account"><span>${t.rich('common.signedInAs', { username: view.username })}</span><a href="/logout?return_to=${encodeURIComponent(view.resumeUrl)}">${t.text('login.notYou')}</a></div>
<form method="post" action="/oauth/authorize">
${hidden('csrf_token', view.csrfToken)}
${hidden('consent_id', view.consentId)}
<div class="actions">
<button class="secondary" type="submit" name="decision" value="deny">${t.text('common.deny')}</button>
<button class="primary" type="submit" name="decision" value="allow">${t.text('consent.allow')}</button>
</div>
</form>
<p class="note">${t.rich('consent.sendsBack', { host: view.redirectHost })} ${t.text(view.remembered ? 'consent.remembered' : 'consent.notRemembered')}</p>`,
    );
  };
}

export function logoutPage(view: { username: string; csrfToken: string; returnTo: string | null }): Page {
  return (context) => {
    const { t } = context;
    return layout(
      context,
      t.text('common.signOut'),
      html`<h1>${t.text('logout.heading')}</h1>
<p class="lead">${t.rich('logout.lead', { username: view.username })}${view.returnTo ? html` ${t.text('logout.thenAnother')}` : ''}</p>
<form method="post" action="/logout">
${hidden('csrf_token', view.csrfToken)}
${view.returnTo ? hidden('return_to', view.returnTo) : ''}
<div class="actions">
<a class="button secondary" href="${view.returnTo ?? '/account'}">${t.text('common.cancel')}</a>
<button class="primary" type="submit">${t.text('common.signOut')}</button>
</div>
</form>`,
    );
  };
}

export function signedOutPage(): Page {
  return (context) => {
    const { t } = context;
    return layout(
      context,
      t.text('signedOut.title'),
      html`<h1>${t.text('signedOut.heading')}</h1>
<p class="lead">${t.text('signedOut.lead')}</p>
<p><a href="/login">${t.text('signedOut.again')}</a></p>`,
    );
  };
}

/**
 * What the user can do next on an error page: go back to the app (only a client known to this
 * server, at an address registered for it: its client_uri or the origin of a registered redirect
 * URI, never an address from the request), sign in, or open their account.
 */
export type NextStep = { kind: 'app'; name: string; uri: string } | { kind: 'sign-in' } | { kind: 'account' };

export interface ErrorView {
  title: Text;
  message: Text;
  /** The precise reason, for the developer of the app that sent the user here (English, from the protocol). */
  detail?: string;
  next?: NextStep;
}

export function errorPage(view: ErrorView): Page {
  return (context) => {
    const { t } = context;
    const title = t.text(view.title.key, view.title.values);
    const next = view.next;
    const link = (href: string) => (chunks: Array<string | SafeHtml>) => html`<a href="${href}">${chunks}</a>`;
    const step = !next
      ? ''
      : next.kind === 'app'
        ? t.rich('next.backToApp', { app: next.name }, { a: link(next.uri) })
        : next.kind === 'sign-in'
          ? t.rich('next.signIn', {}, { a: link('/login') })
          : t.rich('next.account', {}, { a: link('/account') });
    return layout(
      context,
      title,
      html`<h1>${title}</h1>
<p class="lead">${t.say(view.message)}</p>
${step ? html`<p class="next">${step}</p>` : ''}
${view.detail ? html`<div role="group" aria-labelledby="detail-label"><p class="note" id="detail-label">${t.text('error.detail')}</p><p class="detail" lang="en">${view.detail}</p></div>` : ''}`,
    );
  };
}
