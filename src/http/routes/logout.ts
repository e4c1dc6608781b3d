import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError, truncate } from '../../core/errors.js';
import { type IdTokenHint, verifyIdTokenHint } from '../../core/oidc/id-token-hints.js';
import type { ClientRecord } from '../../core/ports.js';
import { type BrowserSupport, NO_FORM_ROUTE, PAGE_ROUTE, refuseOtherMethods } from '../browser.js';
import { type ParsedParameters, parseFormParameters, parseParameters, queryOf } from '../form.js';
import { text } from '../pages/page.js';
import { endSessionPage, stillSignedInPage } from '../pages/logout-views.js';
import { signedOutPage } from '../pages/views.js';
import { pageFormRoute } from '../plugins/csrf.js';
import { requiredSession } from '../plugins/browser-session.js';
import type { HttpServices } from '../services.js';

type LogoutServices = Pick<HttpServices, 'config' | 'keys' | 'store' | 'subjects' | 'logoutRequests'>;

/** The longest value each parameter may have (state as at the authorization endpoint). */
const MAX_LENGTHS: Readonly<Record<string, number>> = {
  id_token_hint: 8192,
  client_id: 255,
  post_logout_redirect_uri: 2048,
  state: 2048,
  logout_hint: 255,
  ui_locales: 255,
};

/** An end-session request once checked: nothing in it comes from the request unverified. */
interface CheckedLogout {
  client: ClientRecord | null;
  /** The id_token_hint's sub and sid, when one was sent. */
  hint: { sub: string; sid?: string } | null;
  postLogoutRedirectUri: string | null;
  state: string | null;
}

/**
 * RP-Initiated Logout 1.0: the end_session_endpoint (GET or POST /oauth/logout) and its
 * confirmation page. A signed-in browser is always asked (Sign out / Cancel): the request itself
 * never ends a session, so a third-party page cannot sign the user out without the click (the
 * confirmation form's CSRF token is bound to the session, and the form carries only the opaque id
 * of the request kept on the server). A post_logout_redirect_uri must be registered for the
 * client named by client_id or the id_token_hint, exactly; otherwise an error page, never a
 * redirect. Gatehouse's own sign-out stays at /logout (routes/login.ts).
 */
export function registerLogoutRoutes(app: FastifyInstance, gatehouse: LogoutServices, browser: BrowserSupport): void {
  const endSession = async (request: FastifyRequest, reply: FastifyReply, parsed: ParsedParameters) => {
    const checked = await check(gatehouse, parsed);
    const active = await request.browserSession();
    // Nothing to end: straight back to the app (with its state), or the signed-out page.
    if (!active) return finish(browser, reply, checked.postLogoutRedirectUri, checked.state);
    const logoutId = await gatehouse.logoutRequests.create(active.session.idHash, {
      clientId: checked.client?.id ?? null,
      postLogoutRedirectUri: checked.postLogoutRedirectUri,
      state: checked.state,
    });
    const { hint, client } = checked;
    const otherSession =
      hint !== null &&
      client !== null &&
      (hint.sub !== gatehouse.subjects.of(client, active.user.id) ||
        (hint.sid !== undefined && hint.sid !== gatehouse.subjects.sidOf(client, active.session.sid)));
    // RP-Initiated Logout 1.0 §2: the app's ui_locales, for this confirmation page.
    if (!parsed.repeated.includes('ui_locales')) browser.useUiLocales(request, parsed.params.get('ui_locales'));
    return browser.sendPage(
      reply,
      200,
      endSessionPage({
        clientName: client?.name ?? null,
        username: active.user.username,
        otherSession,
        csrfToken: reply.csrfToken('end-session', active),
        logoutId,
      }),
    );
  };

  app.get('/oauth/logout', PAGE_ROUTE, (request, reply) =>
    endSession(request, reply, parseParameters(queryOf(request.url))),
  );
  // RP-Initiated Logout §2: the endpoint takes POST too, a cross-site form post by design. Such a
  // POST arrives without the session cookie (SameSite=Lax): answered here it would find no session
  // and send the app its "signed out" redirect while the user is still signed in. A 303 to the same
  // request by GET is a top-level navigation, which carries the cookie. Repeated parameters are
  // refused here, as GET would.
  app.post('/oauth/logout', NO_FORM_ROUTE, (request, reply) => {
    const form = parseFormParameters(request.headers['content-type'], request.body);
    if (form.repeated.length > 0) return endSession(request, reply, form);
    return reply.redirect(`/oauth/logout?${new URLSearchParams([...form.params]).toString()}`, 303);
  });

  app.post(
    '/oauth/logout/confirm',
    pageFormRoute({
      purpose: 'end-session',
      session: 'required',
      // Signed out meanwhile (elsewhere): there is nothing left to confirm.
      signedOut: '/logout',
      fields: ['csrf_token', 'logout_id', 'decision'],
    }),
    async (request, reply) => {
      const active = await requiredSession(request);
      const decision = request.pageForm.get('decision');
      if (decision !== 'signout' && decision !== 'cancel')
        throw OAuthError.invalidRequest('decision must be signout or cancel');
      const pending = await gatehouse.logoutRequests.take(
        request.pageForm.get('logout_id') ?? '',
        active.session.idHash,
      );
      if (!pending) {
        request.audit.error = 'invalid_logout_id';
        return browser.sendErrorPage(reply, 400, {
          title: text('error.logoutExpiredTitle'),
          message: text('error.logoutExpired'),
          next: { kind: 'account' },
        });
      }
      if (decision === 'cancel') {
        const client = pending.clientId ? await gatehouse.store.findClient(pending.clientId) : null;
        return browser.sendPage(
          reply,
          200,
          stillSignedInPage({
            username: active.user.username,
            clientName: client?.name ?? null,
            appUri: pending.postLogoutRedirectUri,
          }),
        );
      }
      await browser.endSession(request, reply);
      return finish(browser, reply, pending.postLogoutRedirectUri, pending.state);
    },
  );

  refuseOtherMethods(app, ['/oauth/logout']);
  refuseOtherMethods(app, ['/oauth/logout/confirm'], ['POST']);
}

/** After a sign-out (or with none to end): to the checked post_logout_redirect_uri with state, or the signed-out page. */
function finish(browser: BrowserSupport, reply: FastifyReply, uri: string | null, state: string | null) {
  if (!uri) return browser.sendPage(reply, 200, signedOutPage());
  const target = new URL(uri);
  if (state !== null) target.searchParams.append('state', state);
  return reply.redirect(target.href, 303);
}

/** RP-Initiated Logout §2 and §3: the parameters, each once; the hint ours; the redirect URI registered. */
async function check(gatehouse: LogoutServices, { params, repeated }: ParsedParameters): Promise<CheckedLogout> {
  if (repeated.length > 0) throw OAuthError.invalidRequest(`parameter repeated: ${truncate(repeated[0]!)}`);
  for (const [name, max] of Object.entries(MAX_LENGTHS)) {
    if ((params.get(name)?.length ?? 0) > max) throw OAuthError.invalidRequest(`${name} is too long`);
  }
  const hintToken = params.get('id_token_hint');
  let hint: IdTokenHint | null = null;
  if (hintToken !== undefined) {
    const { keys, config } = gatehouse;
    // Our signature and iss, one aud; an expired hint of ours is accepted (RP-Initiated Logout §2).
    const verified = keys
      ? await verifyIdTokenHint(hintToken, { issuer: config.issuer, publishedKeys: () => keys.publishedKeys() })
      : null;
    if (!verified) throw OAuthError.invalidRequest('id_token_hint is not an ID token this server issued');
    hint = verified;
  }
  const clientIdParameter = params.get('client_id');
  if (hint && clientIdParameter !== undefined && clientIdParameter !== hint.clientId)
    throw OAuthError.invalidRequest('client_id is not the audience of id_token_hint');
  const clientId = clientIdParameter ?? hint?.clientId;
  const client = clientId === undefined ? null : await gatehouse.store.findClient(clientId);
  if (clientId !== undefined && !client) throw OAuthError.invalidRequest('unknown client');
  const uri = params.get('post_logout_redirect_uri') ?? null;
  if (uri !== null) {
    if (!client) throw OAuthError.invalidRequest('post_logout_redirect_uri needs id_token_hint or client_id');
    // Exact match with a registered URI: never a redirect anywhere else (an open redirector).
    if (!(client.oidc?.postLogoutRedirectUris ?? []).includes(uri))
      throw OAuthError.invalidRequest('post_logout_redirect_uri is not registered for this client');
    // Registered, so a URL; one that is not is refused here rather than break the redirect later.
    if (!URL.canParse(uri)) throw OAuthError.invalidRequest('post_logout_redirect_uri is not a URL');
  }
  return {
    client,
    hint: hint ? { sub: hint.sub, ...(hint.sid === undefined ? {} : { sid: hint.sid }) } : null,
    postLogoutRedirectUri: uri,
    state: params.get('state') ?? null,
  };
}
