import { html } from './html.js';
import { layout } from './layout.js';

/** The pages of RP-Initiated Logout (routes/logout.ts). */

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;

export interface EndSessionView {
  /** The app that sent the user here, when known. */
  clientName: string | null;
  username: string;
  /** The app's id_token_hint names another account or session than this browser's. */
  otherSession: boolean;
  csrfToken: string;
  /** The opaque id of the end-session request kept on the server: the form's only reference to it. */
  logoutId: string;
}

export function endSessionPage(view: EndSessionView): string {
  return layout(
    'Sign out',
    html`<h1>Sign out of Gatehouse?</h1>
<p class="lead">${view.clientName ? html`<strong>${view.clientName}</strong> asks to sign you out.` : 'An app asks to sign you out.'}</p>
${view.otherSession ? html`<p class="alert" role="alert">The app signed in with another account or session than this one. Signing out ends this browser's session.</p>` : ''}
<div class="account"><span>Signed in as <strong>${view.username}</strong></span></div>
<form method="post" action="/oauth/logout/confirm">
${hidden('csrf_token', view.csrfToken)}
${hidden('logout_id', view.logoutId)}
<div class="actions">
<button class="secondary" type="submit" name="decision" value="cancel">Cancel</button>
<button class="primary" type="submit" name="decision" value="signout">Sign out</button>
</div>
</form>
<p class="note">Signing out ends your Gatehouse session, and the sign-ins of the apps that used it.</p>`,
  );
}

/** Cancel: nothing ended. The link back goes to the app's registered page, without state (no logout happened). */
export function stillSignedInPage(view: {
  username: string;
  clientName: string | null;
  appUri: string | null;
}): string {
  return layout(
    'Still signed in',
    html`<h1>You are still signed in</h1>
<p class="lead">as <strong>${view.username}</strong>: your Gatehouse session is unchanged (the app may already have signed you out of itself).</p>
${view.appUri ? html`<p><a href="${view.appUri}">Back to ${view.clientName ?? 'the app'}</a></p>` : html`<p><a href="/account">Your account</a></p>`}`,
  );
}
