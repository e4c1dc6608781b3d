import { FormState } from './fields.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import { scopeText } from './views.js';
import type { Page, Text } from './page.js';

/** The device flow's pages (RFC 8628 §3.3): the code, the consent, the outcome. */

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;

export interface DeviceCodeView {
  csrfToken: string;
  /** What goes in the field: the code from verification_uri_complete, or what was typed. */
  userCode?: string;
  error?: Text;
}

export function deviceCodePage(view: DeviceCodeView): Page {
  return (context) => {
    const { t } = context;
    const form = new FormState(view.error, 'device-error', ['user_code'], 'user_code');
    return layout(
      context,
      t.text('device.title'),
      html`<h1>${t.text('device.title')}</h1>
<p class="lead">${t.text('device.lead')}</p>
${form.alert(t)}
<form method="post" action="/device">
${hidden('csrf_token', view.csrfToken)}
<label for="user_code">${t.text('device.code')}</label>
<input id="user_code" name="user_code" type="text" value="${view.userCode ?? ''}" placeholder="XXXX-XXXX" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" required${form.attributes('user_code', 'device-note')}>
<button class="primary" type="submit">${t.text('common.continue')}</button>
</form>
<p class="note" id="device-note">${t.text('device.note')}</p>`,
    );
  };
}

export interface DeviceConsentView {
  clientName: string;
  scopes: { name: string; description?: string | Text | undefined }[];
  username: string;
  csrfToken: string;
  /** The opaque id of the request kept on the server: the form's only reference to it. */
  consentId: string;
  /** This request as a URL of this server: "Not you?" signs out and comes back to it. */
  resumeUrl: string;
}

export function deviceConsentPage(view: DeviceConsentView): Page {
  return (context) => {
    const { t } = context;
    const items: SafeHtml[] = view.scopes.length
      ? view.scopes.map(
          (scope) =>
            html`<li><div><span>${scopeText(t, scope)}</span>${scope.description ? html`<code>${scope.name}</code>` : ''}</div></li>`,
        )
      : [html`<li><div><span>${t.text('common.knowWhoYouAre')}</span></div></li>`];
    return layout(
      context,
      t.text('device.title'),
      html`<h1>${t.rich('consent.heading', { app: view.clientName })}</h1>
<p class="lead">${t.text('device.consentLead')}</p>
<p>${t.text('common.askingFor')}</p>
<ul class="scopes">${items}</ul>
<div class="account"><span>${t.rich('common.signedInAs', { username: view.username })}</span><a href="/logout?return_to=${encodeURIComponent(view.resumeUrl)}">${t.text('login.notYou')}</a></div>
<form method="post" action="/device/consent">
${hidden('csrf_token', view.csrfToken)}
${hidden('consent_id', view.consentId)}
<div class="actions">
<button class="secondary" type="submit" name="decision" value="deny">${t.text('common.deny')}</button>
<button class="primary" type="submit" name="decision" value="allow">${t.text('device.approve')}</button>
</div>
</form>`,
    );
  };
}

export function deviceApprovedPage(clientName: string): Page {
  return (context) => {
    const { t } = context;
    return layout(
      context,
      t.text('device.approvedTitle'),
      html`<h1>${t.text('device.approvedTitle')}</h1>
<p class="lead">${t.rich('device.approvedLead', { app: clientName })}</p>`,
    );
  };
}

export function deviceDeniedPage(clientName: string): Page {
  return (context) => {
    const { t } = context;
    return layout(
      context,
      t.text('device.deniedTitle'),
      html`<h1>${t.text('device.deniedTitle')}</h1>
<p class="lead">${t.rich('device.deniedLead', { app: clientName })}</p>`,
    );
  };
}
