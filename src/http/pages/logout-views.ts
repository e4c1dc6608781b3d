import { html } from './html.js';
import { layout } from './layout.js';
import type { Page } from './page.js';

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

export function endSessionPage(view: EndSessionView): Page {
  return (context) => {
    const { t } = context;
    return layout(
      context,
      t.text('common.signOut'),
      html`<h1>${t.text('endSession.heading')}</h1>
<p class="lead">${view.clientName ? t.rich('endSession.leadApp', { app: view.clientName }) : t.text('endSession.lead')}</p>
${view.otherSession ? html`<p class="alert" role="alert">${t.text('endSession.otherSession')}</p>` : ''}
<div class="account"><span>${t.rich('common.signedInAs', { username: view.username })}</span></div>
<form method="post" action="/oauth/logout/confirm">
${hidden('csrf_token', view.csrfToken)}
${hidden('logout_id', view.logoutId)}
<div class="actions">
<button class="secondary" type="submit" name="decision" value="cancel">${t.text('common.cancel')}</button>
<button class="primary" type="submit" name="decision" value="signout">${t.text('common.signOut')}</button>
</div>
</form>
<p class="note">${t.text('endSession.note')}</p>`,
    );
  };
}

/** Cancel: nothing ended. The link back goes to the app's registered page, without state (no logout happened). */
export function stillSignedInPage(view: { username: string; clientName: string | null; appUri: string | null }): Page {
  return (context) => {
    const { t } = context;
    const back = view.clientName
      ? t.text('stillSignedIn.backTo', { app: view.clientName })
      : t.text('stillSignedIn.backToApp');
    return layout(
      context,
      t.text('stillSignedIn.title'),
      html`<h1>${t.text('stillSignedIn.heading')}</h1>
<p class="lead">${t.rich('stillSignedIn.lead', { username: view.username })}</p>
${view.appUri ? html`<p><a href="${view.appUri}">${back}</a></p>` : html`<p><a href="/account">${t.text('common.yourAccount')}</a></p>`}`,
    );
  };
}
