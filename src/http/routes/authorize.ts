import type { FastifyInstance, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify';
import {
  authorizationParameters,
  consentMayBeRemembered,
  restoreAuthorizationParameters,
  type AuthorizationRequest,
  type AuthorizationValidation,
} from '../../core/authorize.js';
import { OAuthError, truncate } from '../../core/errors.js';
import type { SignInContext } from '../../core/response-types/response-type.js';
import type { SessionRecord } from '../../storage/store.js';
import type { HttpServices } from '../services.js';
import { PAGE_ROUTE, refuseOtherMethods, type BrowserSupport } from '../browser.js';
import { NO_STORE } from '../errors.js';
import { parseParameters, queryOf } from '../form.js';
import { requiredSession } from '../plugins/browser-session.js';
import { pageFormRoute } from '../plugins/csrf.js';
import { backToApp } from '../next-step.js';
import { oidcScopeText, text } from '../pages/page.js';
import { consentPage } from '../pages/views.js';

/**
 * The consent form's only fields: the opaque id of the pending request, the CSRF token and the
 * button pressed. Anything else (a parameter of the request, a second decision) is refused.
 */
const CONSENT_FORM_FIELDS = ['consent_id', 'csrf_token', 'decision'] as const;

/**
 * The consent form's own checks, after the form is parsed and before its CSRF token is (route
 * preValidation hooks run after the page group's): a malformed answer is a 400 page.
 */
const consentAnswerComplete: preValidationHookHandler = (request, reply, done) => {
  // Redirects carry codes and tokens: never cached.
  reply.headers(NO_STORE);
  const form = request.pageForm;
  const text = typeof request.body === 'string' ? request.body : '';
  if (!CONSENT_FORM_FIELDS.some((name) => form.has(name)) && form.has('client_id')) {
    // An authorization request sent by POST (OpenID Connect Core §3.1.2.1: the endpoint takes
    // GET and POST) is the same request by GET: it asks, it decides nothing, so it needs no CSRF
    // token. Answered here, before the consent form's checks.
    reply.redirect(`/oauth/authorize?${new URLSearchParams(text).toString()}`, 303);
    return;
  }
  // Every field as sent (an empty one too: the parsed form leaves those out).
  for (const [name] of new URLSearchParams(text)) {
    if (!(CONSENT_FORM_FIELDS as readonly string[]).includes(name)) {
      return done(OAuthError.invalidRequest(`the form has an unexpected field '${truncate(name)}'`));
    }
  }
  const decision = request.pageForm.get('decision');
  if (decision !== 'allow' && decision !== 'deny') {
    return done(OAuthError.invalidRequest('decision must be allow or deny'));
  }
  if (!request.pageForm.has('consent_id')) {
    return done(OAuthError.invalidRequest('the form names no authorization request'));
  }
  done();
};

/** The browser sign-in behind an approval (OpenID Connect: sid, auth_time, amr). */
function signInOf(session: SessionRecord): SignInContext {
  return { sid: session.sid, authTime: session.authTime, amr: ['pwd'] };
}

/** Shown on the consent page: the host the browser goes back to (the whole URI for app schemes). */
function redirectTarget(uri: string): string {
  try {
    const url = new URL(uri);
    return url.host || uri;
  } catch {
    return uri;
  }
}

/**
 * GET /oauth/authorize starts (or, when the user is signed in and has consented, completes) an
 * authorization; POST /oauth/authorize is the consent form's answer, which names the pending
 * request kept on the server and nothing else.
 */
export function registerAuthorizeRoutes(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'authorizationEndpoint' | 'config' | 'pendingAuthorizations' | 'store' | 'subjects'>,
  browser: BrowserSupport,
): void {
  const endpoint = gatehouse.authorizationEndpoint;

  function expiredSignInLink(request: FastifyRequest, reply: FastifyReply) {
    request.audit.error = 'invalid_request';
    return browser.sendErrorPage(reply, 400, {
      title: text('error.signInExpiredTitle'),
      message: text('error.signInExpired'),
    });
  }

  /** The client a request names, when it names one (once): for the link back on an error page. */
  async function namedClient(params: ReadonlyMap<string, string>, repeated: readonly string[]) {
    const clientId = params.get('client_id');
    if (clientId === undefined || repeated.includes('client_id') || clientId.length > 255) return null;
    return gatehouse.store.findClient(clientId);
  }

  /** The error page or error redirect of a request that did not validate; null when it did. */
  async function answerInvalid(
    request: FastifyRequest,
    reply: FastifyReply,
    validation: AuthorizationValidation,
    redirectStatus: 302 | 303,
    client: () => Promise<Parameters<typeof backToApp>[0]>,
  ) {
    if (validation.kind === 'untrusted') {
      request.audit.error = 'invalid_request';
      return browser.sendErrorPage(reply, 400, {
        title: text('error.untrustedTitle'),
        message: text('error.untrusted'),
        detail: validation.description,
        // Back to the app's registered address, never to the redirect_uri this request named.
        next: backToApp(await client()),
      });
    }
    if (validation.kind === 'error-redirect') {
      request.audit.error = validation.error.code;
      return reply.redirect(validation.location, redirectStatus);
    }
    return null;
  }

  app.get('/oauth/authorize', PAGE_ROUTE, async (request, reply) => {
    const query = parseParameters(queryOf(request.url));
    let params: ReadonlyMap<string, string> = query.params;
    let repeated = query.repeated;
    // Redirects carry codes and tokens: never cached.
    reply.headers(NO_STORE);
    // Back from the sign-in page: the request kept on the server for this browser, by its id alone.
    let pendingId: string | undefined;
    /** When the resumed request was first received: a sign-in since then answers prompt=login and max_age. */
    let pendingSince: number | undefined;
    /** The id the request was resumed by: answered with a code, it is spent (no replay of the link). */
    let resumedId: string | undefined;
    if (params.has('pending') || repeated.includes('pending')) {
      pendingId = params.get('pending');
      const pending =
        pendingId !== undefined && params.size === 1 && repeated.length === 0
          ? await gatehouse.pendingAuthorizations.findSignIn(pendingId, request.csrfCookieSecret())
          : null;
      if (!pending) return expiredSignInLink(request, reply);
      params = restoreAuthorizationParameters(pending.params);
      pendingSince = pending.createdAt;
      repeated = [];
      resumedId = pendingId;
    }
    // OpenID ui_locales: the pages of this request (sign-in, consent, errors) speak its language.
    if (!repeated.includes('ui_locales')) browser.useUiLocales(request, params.get('ui_locales'), resumedId);
    const validation = await endpoint.validate(params, repeated);
    request.audit.clientId = validation.kind === 'untrusted' ? undefined : params.get('client_id');
    const invalid = await answerInvalid(request, reply, validation, 302, () => namedClient(params, repeated));
    if (invalid || validation.kind !== 'valid') return invalid;
    const authorization = validation.request;
    const { oidc } = authorization;
    // OpenID Connect prompt=none (Core §3.1.2.6): no page is ever shown, the client hears why.
    const promptNone = oidc?.prompt.has('none') ?? false;
    const withoutPage = (code: 'login_required' | 'consent_required', description: string) => {
      request.audit.error = code;
      return reply.redirect(endpoint.interactionRequired(authorization, code, description), 302);
    };

    // The request waits on the server while the browser signs in (or, from "Not you?", signs in
    // as someone else): the sign-in page's return_to carries only its id. Only the parameters
    // this endpoint reads are kept: fields a link added (decision=allow, …) are dropped.
    const resumeUrl = async () => {
      pendingId ??= await gatehouse.pendingAuthorizations.createSignIn(
        reply.csrfSecret(),
        request.ip,
        authorization.client.id,
        authorizationParameters(authorization),
      );
      return `/oauth/authorize?pending=${pendingId}`;
    };
    const active = await request.browserSession();
    if (!active) {
      if (promptNone) return withoutPage('login_required', 'the user is not signed in');
      const returnTo = encodeURIComponent(await resumeUrl());
      // prompt=create (Initiating User Registration 1.0): the sign-up page, when sign-up is open.
      const page = oidc?.prompt.has('create') && gatehouse.config.registration.enabled ? '/register' : '/login';
      return reply.redirect(`${page}?return_to=${returnTo}`, 302);
    }
    // The client expects the user its id_token_hint names: another user's session does not answer it.
    if (oidc?.idTokenHint && oidc.idTokenHint.sub !== gatehouse.subjects.of(authorization.client, active.user.id)) {
      return withoutPage('login_required', 'the signed-in user is not the one id_token_hint names');
    }
    // prompt=login, max_age: the same browser signs in again (the session keeps its sid).
    if (endpoint.reauthenticationNeeded(authorization, active.session.authTime, pendingSince)) {
      if (promptNone) return withoutPage('login_required', 'the user must sign in again');
      return reply.redirect(`/login?return_to=${encodeURIComponent(await resumeUrl())}&reauthenticate=1`, 302);
    }

    if (await endpoint.needsConsent(authorization, active.user.id)) {
      if (promptNone) return withoutPage('consent_required', 'the user has not allowed this request yet');
      const csrfToken = reply.csrfToken('consent', active);
      // The request waits on the server; the form carries only this id (ARCHITECTURE.md: pages).
      const consentId = await gatehouse.pendingAuthorizations.createConsent(
        active.session.idHash,
        csrfToken,
        authorization.client.id,
        authorizationParameters(authorization),
      );
      const resume = await resumeUrl();
      // The language switcher comes back through the request's opaque id, not a copy of its parameters.
      return browser.sendPage(
        reply,
        200,
        consentPage(consentView(authorization, active.user.username, csrfToken, consentId, resume)),
        resume,
      );
    }
    // A resumed request is answered once: a replay of its link (a back button, an attacker in the
    // same browser) must not skip the re-authentication it asked for, nor issue a second code.
    if (
      resumedId !== undefined &&
      !(await gatehouse.pendingAuthorizations.takeSignIn(resumedId, request.csrfCookieSecret()))
    )
      return expiredSignInLink(request, reply);
    return reply.redirect(
      await endpoint.approve(authorization, active.user, false, request.ip, signInOf(active.session)),
      302,
    );
  });

  // Its fields are checked by consentAnswerComplete, which also takes authorization requests sent by POST.
  const consentForm = pageFormRoute({ purpose: 'consent', session: 'required' });
  app.post('/oauth/authorize', { ...consentForm, preValidation: consentAnswerComplete }, async (request, reply) => {
    const params = request.pageForm;
    const decision = params.get('decision') as 'allow' | 'deny';
    const active = await requiredSession(request);
    // The token the plugin checked also names the page that showed this request.
    const csrfToken = params.get('csrf_token')!;
    const consentId = params.get('consent_id')!;
    const pending = await gatehouse.pendingAuthorizations.takeConsent(consentId, active.session.idHash, csrfToken);
    if (!pending) {
      request.audit.error = 'invalid_request';
      return browser.sendErrorPage(reply, 400, {
        title: text('error.consentExpiredTitle'),
        message: text('error.consentExpired'),
        next: { kind: 'account' },
      });
    }
    // Answered: the sign-in links that led this browser here for this client are spent, so a replay
    // of one cannot skip a re-authentication it asked for (the consent is remembered by then).
    await gatehouse.pendingAuthorizations.forgetSignIns(request.csrfCookieSecret(), pending.client_id!);

    // Checked again: the client may have been deleted, or its redirect URIs or scopes changed,
    // since the page was shown. RFC 9700 §4.12: 303 after a POST.
    browser.useUiLocales(request, pending.ui_locales);
    const restored = restoreAuthorizationParameters(pending);
    const validation = await endpoint.validate(restored, []);
    request.audit.clientId = validation.kind === 'untrusted' ? undefined : pending.client_id;
    const invalid = await answerInvalid(request, reply, validation, 303, () => namedClient(restored, []));
    if (invalid || validation.kind !== 'valid') return invalid;
    if (decision === 'deny') {
      // Nothing is remembered and nothing revoked: the next request asks again.
      request.audit.error = 'access_denied';
      return reply.redirect(endpoint.deny(validation.request), 303);
    }
    return reply.redirect(
      await endpoint.approve(validation.request, active.user, true, request.ip, signInOf(active.session)),
      303,
    );
  });

  function consentView(
    authorization: AuthorizationRequest,
    username: string,
    csrfToken: string,
    consentId: string,
    resumeUrl: string,
  ) {
    const descriptions = gatehouse.config.scope_descriptions;
    return {
      clientName: authorization.client.name,
      redirectHost: redirectTarget(authorization.redirectUri),
      scopes: authorization.scope.map((name) => ({
        name,
        // The operator's words (scope_descriptions, one language), else the catalog's for OpenID scopes.
        description: descriptions[name] ?? oidcScopeText(name),
      })),
      username,
      csrfToken,
      consentId,
      remembered: consentMayBeRemembered(authorization),
      resumeUrl,
    };
  }

  refuseOtherMethods(app, ['/oauth/authorize']);
}
