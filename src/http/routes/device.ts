import type { FastifyInstance, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify';
import { OAuthError } from '../../core/errors.js';
import type { HttpServices } from '../services.js';
import { PAGE_ROUTE, refuseOtherMethods, type BrowserSupport } from '../browser.js';
import { NO_STORE } from '../errors.js';
import { parseParameters, queryOf } from '../form.js';
import { requiredSession } from '../plugins/browser-session.js';
import { pageFormRoute } from '../plugins/csrf.js';
import { oidcScopeText, text, type Text } from '../pages/page.js';
import { deviceApprovedPage, deviceCodePage, deviceConsentPage, deviceDeniedPage } from '../pages/device-views.js';

/** The field of a pending request (accounts/pending-authorizations.ts) that names a device authorization. */
const DEVICE_REFERENCE = 'device_code_hash';
const INVALID_CODE = text('device.invalidCode');
const CONSENT_FORM_FIELDS = ['consent_id', 'csrf_token', 'decision'] as const;

const consentAnswerComplete: preValidationHookHandler = (request, reply, done) => {
  reply.headers(NO_STORE);
  const decision = request.pageForm.get('decision');
  if (decision !== 'allow' && decision !== 'deny')
    return done(OAuthError.invalidRequest('decision must be allow or deny'));
  if (!request.pageForm.has('consent_id')) return done(OAuthError.invalidRequest('the form names no device request'));
  done();
};

/**
 * The verification page of the device flow (RFC 8628 §3.3): GET/POST /device takes the user
 * code, then the usual sign-in, then the consent (POST /device/consent). Across sign-in and on
 * the consent page the request is kept on the server (accounts/pending-authorizations.ts): the
 * redirect carries only an opaque id bound to this browser, the consent form only an id bound to
 * the session and the form; never the code.
 */
export function registerDeviceRoutes(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'config' | 'deviceVerification' | 'pendingAuthorizations'>,
  browser: BrowserSupport,
): void {
  const { deviceVerification, pendingAuthorizations } = gatehouse;

  const showCodeForm = (reply: FastifyReply, status: number, userCode?: string, error?: Text) =>
    browser.sendPage(reply, status, deviceCodePage({ csrfToken: reply.csrfToken('device'), userCode, error }));

  const expired = (request: FastifyRequest, reply: FastifyReply) => {
    request.audit.error = 'invalid_request';
    return showCodeForm(reply, 400, undefined, INVALID_CODE);
  };

  app.get('/device', PAGE_ROUTE, async (request, reply) => {
    const { params, repeated } = parseParameters(queryOf(request.url));
    if (repeated.length > 0) throw OAuthError.invalidRequest('a parameter is repeated');
    const pendingId = params.get('pending');
    // verification_uri_complete: the code is filled in; the user still presses Continue.
    if (pendingId === undefined) return showCodeForm(reply, 200, params.get('user_code')?.slice(0, 64));

    const pending = await pendingAuthorizations.findSignIn(pendingId, request.csrfCookieSecret());
    const deviceCodeHash = pending?.params[DEVICE_REFERENCE];
    if (!pending || deviceCodeHash === undefined) return expired(request, reply);
    const resumeUrl = `/device?pending=${pendingId}`;
    const active = await request.browserSession();
    if (!active) return reply.redirect(`/login?return_to=${encodeURIComponent(resumeUrl)}`, 302);

    const found = await deviceVerification.pending(deviceCodeHash);
    if (!found) return expired(request, reply);
    request.audit.clientId = found.client.id;
    const csrfToken = reply.csrfToken('device-consent', active);
    const consentId = await pendingAuthorizations.createConsent(active.session.idHash, csrfToken, found.client.id, {
      [DEVICE_REFERENCE]: deviceCodeHash,
    });
    const descriptions = gatehouse.config.scope_descriptions;
    const scopes = found.record.scope.split(' ').filter(Boolean);
    return browser.sendPage(
      reply,
      200,
      deviceConsentPage({
        clientName: found.client.name,
        scopes: scopes.map((name) => ({ name, description: descriptions[name] ?? oidcScopeText(name) })),
        username: active.user.username,
        csrfToken,
        consentId,
        resumeUrl,
      }),
    );
  });

  const codeForm = pageFormRoute({ purpose: 'device', session: 'none', fields: ['csrf_token', 'user_code'] });
  app.post('/device', codeForm, async (request, reply) => {
    const typed = request.pageForm.get('user_code') ?? '';
    const browserSecret = request.csrfCookieSecret() ?? reply.csrfSecret();
    const outcome = await deviceVerification.enterUserCode(typed, request.ip, browserSecret);
    if (outcome.kind === 'throttled') {
      request.audit.error = 'user_code_throttled';
      reply.header('retry-after', String(outcome.retryAfter));
      const wait = text('device.throttled', { seconds: outcome.retryAfter });
      return showCodeForm(reply, 429, typed.slice(0, 64), wait);
    }
    if (outcome.kind === 'invalid') {
      request.audit.error = 'invalid_user_code';
      return showCodeForm(reply, 400, typed.slice(0, 64), INVALID_CODE);
    }
    request.audit.clientId = outcome.clientId;
    const pendingId = await pendingAuthorizations.createSignIn(browserSecret, request.ip, outcome.clientId, {
      [DEVICE_REFERENCE]: outcome.deviceCodeHash,
    });
    return reply.redirect(`/device?pending=${pendingId}`, 303);
  });

  const consentForm = pageFormRoute({ purpose: 'device-consent', session: 'required', fields: CONSENT_FORM_FIELDS });
  app.post('/device/consent', { ...consentForm, preValidation: consentAnswerComplete }, async (request, reply) => {
    const params = request.pageForm;
    const active = await requiredSession(request);
    const taken = await pendingAuthorizations.takeConsent(
      params.get('consent_id')!,
      active.session.idHash,
      params.get('csrf_token')!,
    );
    const deviceCodeHash = taken?.[DEVICE_REFERENCE];
    const found = deviceCodeHash === undefined ? null : await deviceVerification.pending(deviceCodeHash);
    if (!found || deviceCodeHash === undefined) return expired(request, reply);
    request.audit.clientId = found.client.id;
    const approved = params.get('decision') === 'allow';
    // Once: a second answer (another tab, another node) finds the code no longer pending.
    if (!(await deviceVerification.decide(deviceCodeHash, approved ? 'approved' : 'denied', active.user.id)))
      return expired(request, reply);
    if (approved) return browser.sendPage(reply, 200, deviceApprovedPage(found.client.name));
    request.audit.error = 'access_denied';
    return browser.sendPage(reply, 200, deviceDeniedPage(found.client.name));
  });

  refuseOtherMethods(app, ['/device']);
  refuseOtherMethods(app, ['/device/consent'], ['POST']);
}
