import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationRequest } from '../../core/authorize.js';
import { OAuthError } from '../../core/errors.js';
import type { Gatehouse } from '../../gatehouse.js';
import { PAGE_ROUTE, refuseOtherMethods, type BrowserSupport } from '../browser.js';
import { NO_STORE } from '../errors.js';
import { parseFormParameters, parseParameters, queryOf } from '../form.js';
import { consentPage } from '../pages/views.js';

/** Form fields of the consent page that are not part of the authorization request. */
const CONSENT_FIELDS = ['csrf_token', 'decision'];

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
 * authorization; POST /oauth/authorize is the consent form's answer. Both run the same checks.
 */
export function registerAuthorizeRoutes(app: FastifyInstance, gatehouse: Gatehouse, browser: BrowserSupport): void {
  const endpoint = gatehouse.authorizationEndpoint;

  async function authorize(
    request: FastifyRequest,
    reply: FastifyReply,
    params: Map<string, string>,
    repeated: string[],
    consent?: { decision: string | undefined; csrfToken: string | undefined },
  ) {
    // RFC 9700 §4.12: after a POST, 303 so the browser does not re-send the form to the client.
    const redirectStatus = consent ? 303 : 302;
    // Redirects carry codes and tokens: never cached.
    reply.headers(NO_STORE);
    const validation = await endpoint.validate(params, repeated);
    if (validation.kind === 'untrusted') {
      request.audit.error = 'invalid_request';
      return browser.sendErrorPage(reply, 400, {
        title: 'This sign-in link does not work',
        message: 'The app that sent you here made a request Gatehouse cannot accept, so you have not been sent back to it and nothing was shared.',
        detail: validation.description,
      });
    }
    request.audit.clientId = params.get('client_id');
    if (validation.kind === 'error-redirect') {
      request.audit.error = validation.error.code;
      return reply.redirect(validation.location, redirectStatus);
    }
    const authorization = validation.request;

    const resumeUrl = `/oauth/authorize?${new URLSearchParams([...params]).toString()}`;
    const active = await browser.session(request);
    if (!active) return reply.redirect(`/login?return_to=${encodeURIComponent(resumeUrl)}`, redirectStatus);

    if (consent) {
      if (!browser.csrfValid(request, consent.csrfToken, 'consent', active)) return browser.sendCsrfFailure(reply);
      if (consent.decision === 'deny') {
        request.audit.error = 'access_denied';
        return reply.redirect(endpoint.deny(authorization), 303);
      }
      if (consent.decision !== 'allow') throw OAuthError.invalidRequest('decision must be allow or deny');
      return reply.redirect(await endpoint.approve(authorization, active.user, true, request.ip), 303);
    }

    if (await endpoint.needsConsent(authorization, active.user.id)) {
      return browser.sendPage(reply, 200, consentPage(consentView(authorization, active.user.username, browser.csrfToken(request, reply, 'consent', active), resumeUrl)));
    }
    return reply.redirect(await endpoint.approve(authorization, active.user, false, request.ip), redirectStatus);
  }

  function consentView(authorization: AuthorizationRequest, username: string, csrfToken: string, resumeUrl: string) {
    const descriptions = gatehouse.config.scope_descriptions;
    return {
      clientName: authorization.client.name,
      redirectHost: redirectTarget(authorization.redirectUri),
      scopes: authorization.scope.map((name) => ({ name, description: descriptions[name] })),
      username,
      csrfToken,
      params: authorization.params,
      resumeUrl,
    };
  }

  app.get('/oauth/authorize', PAGE_ROUTE, async (request, reply) => {
    const { params, repeated } = parseParameters(queryOf(request.url));
    return authorize(request, reply, params, repeated);
  });

  app.post('/oauth/authorize', PAGE_ROUTE, async (request, reply) => {
    const { params, repeated } = parseFormParameters(request.headers['content-type'], request.body);
    const consent = { decision: params.get('decision'), csrfToken: params.get('csrf_token') };
    for (const field of CONSENT_FIELDS) params.delete(field);
    return authorize(request, reply, params, repeated.filter((name) => !CONSENT_FIELDS.includes(name)), consent);
  });

  refuseOtherMethods(app, ['/oauth/authorize']);
}
