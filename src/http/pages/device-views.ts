import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

/** The device flow's pages (RFC 8628 §3.3): the code, the consent, the outcome. */

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;

export interface DeviceCodeView {
  csrfToken: string;
  /** What goes in the field: the code from verification_uri_complete, or what was typed. */
  userCode?: string;
  error?: string;
}

export function deviceCodePage(view: DeviceCodeView): string {
  return layout(
    'Connect a device',
    html`<h1>Connect a device</h1>
<p class="lead">Enter the code shown on your device.</p>
${view.error ? html`<p class="alert" role="alert">${view.error}</p>` : ''}
<form method="post" action="/device">
${hidden('csrf_token', view.csrfToken)}
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" value="${view.userCode ?? ''}" placeholder="XXXX-XXXX" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" required autofocus>
<button class="primary" type="submit">Continue</button>
</form>
<p class="note">Only enter a code from a device you are setting up yourself.</p>`,
  );
}

export interface DeviceConsentView {
  clientName: string;
  scopes: { name: string; description?: string }[];
  username: string;
  csrfToken: string;
  /** The opaque id of the request kept on the server: the form's only reference to it. */
  consentId: string;
  /** This request as a URL of this server: "Not you?" signs out and comes back to it. */
  resumeUrl: string;
}

export function deviceConsentPage(view: DeviceConsentView): string {
  const items: SafeHtml[] = view.scopes.length
    ? view.scopes.map(
        (scope) =>
          html`<li><div><span>${scope.description ?? scope.name}</span>${scope.description ? html`<code>${scope.name}</code>` : ''}</div></li>`,
      )
    : [html`<li><div><span>Know who you are on this server</span></div></li>`];
  return layout(
    'Connect a device',
    html`<h1><strong>${view.clientName}</strong> wants to access your account</h1>
<p class="lead">A device is asking for access to your account. Approve only if you started this on a device you own and it shows the code you entered.</p>
<p>It is asking for permission to:</p>
<ul class="scopes">${items}</ul>
<div class="account"><span>Signed in as <strong>${view.username}</strong></span><a href="/logout?return_to=${encodeURIComponent(view.resumeUrl)}">Not you?</a></div>
<form method="post" action="/device/consent">
${hidden('csrf_token', view.csrfToken)}
${hidden('consent_id', view.consentId)}
<div class="actions">
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
<button class="primary" type="submit" name="decision" value="allow">Approve</button>
</div>
</form>`,
  );
}

export function deviceApprovedPage(clientName: string): string {
  return layout(
    'Device connected',
    html`<h1>Device connected</h1>
<p class="lead"><strong>${clientName}</strong> can now access your account. You can return to your device.</p>`,
  );
}

export function deviceDeniedPage(clientName: string): string {
  return layout(
    'Access denied',
    html`<h1>Access denied</h1>
<p class="lead">The device was not given access to your account (<strong>${clientName}</strong>). You can close this window.</p>`,
  );
}
