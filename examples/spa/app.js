/**
 * A browser single-page app signing in with Gatehouse: the authorization code flow with PKCE and
 * state (RFC 6749 §4.1, RFC 7636, OAuth 2.1), using oauth4webapi in the browser. It is a public
 * client (no secret); it calls the token and userinfo endpoints from the page with fetch, which
 * Gatehouse allows (CORS) because its client registered this page's origin (the redirect URI's
 * origin counts for a public client).
 *
 * The tokens live in this page's memory only: reloading the page forgets them. What the redirect
 * needs to survive (the PKCE verifier, state and nonce) is kept in sessionStorage, for this tab
 * only, and removed as soon as the code is redeemed.
 */
import * as oauth from './vendor/oauth4webapi.js';

const PENDING = 'gatehouse-spa-pending';
const $ = (id) => document.getElementById(id);

function show(id, text) {
  const element = $(id);
  element.textContent = text;
  element.hidden = false;
}

/** Where Gatehouse sends the browser back: this page, without query or fragment. */
function redirectUri() {
  return `${window.location.origin}${window.location.pathname}`;
}

/** Plain http is accepted only for a development issuer (loopback, as the redirect URI rules). */
function requestOptions(issuer) {
  return issuer.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
}

async function discover(issuer) {
  const response = await oauth.discoveryRequest(issuer, requestOptions(issuer));
  return oauth.processDiscoveryResponse(issuer, response);
}

async function signIn(config, as) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce }));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: redirectUri(),
    scope: config.scope,
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.href);
}

/** Back from Gatehouse with ?code=…&state=… (or ?error=…): redeem the code, then ask userinfo who signed in. */
async function finishSignIn(config, as, issuer) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  // The code must not stay in the address bar (nor in the history).
  const callback = new URL(window.location.href);
  window.history.replaceState(null, '', redirectUri());
  if (!pending) throw new Error('This sign-in was not started from this tab. Please sign in again.');

  const client = { client_id: config.client_id, token_endpoint_auth_method: 'none' };
  const options = requestOptions(issuer);
  // Checks state (and iss, RFC 9207), and turns ?error=… into an error.
  const parameters = oauth.validateAuthResponse(as, client, callback, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    parameters,
    redirectUri(),
    pending.verifier,
    options,
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  const { sub } = oauth.getValidatedIdTokenClaims(tokens);
  const userinfo = await oauth.processUserInfoResponse(
    as,
    client,
    sub,
    await oauth.userInfoRequest(as, client, tokens.access_token, options),
  );
  show('sub', userinfo.sub);
  show('username', userinfo.preferred_username ?? '(not shared)');
  show('name', userinfo.name ?? '(not shared)');
  show('email', userinfo.email ?? '(not shared)');
  show('scope', tokens.scope ?? config.scope);
  $('result').hidden = false;
  show('status', 'Signed in.');
}

function describe(error) {
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError)
    return `${error.error}: ${error.error_description ?? error.message}`;
  if (error instanceof oauth.WWWAuthenticateChallengeError)
    return error.cause.map((challenge) => `${challenge.scheme} ${challenge.parameters.error ?? ''}`).join(', ');
  if (error instanceof TypeError) return `Gatehouse could not be reached from this page (${error.message}).`;
  return error?.message ?? String(error);
}

async function main() {
  const config = await (await fetch('config.json')).json();
  const issuer = new URL(config.issuer);
  const as = await discover(issuer);
  $('sign-in').addEventListener('click', () => signIn(config, as).catch((error) => show('error', describe(error))));
  $('sign-out').addEventListener('click', () => window.location.assign(redirectUri()));
  const params = new URL(window.location.href).searchParams;
  if (params.has('code') || params.has('error')) {
    show('status', 'Signing in…');
    await finishSignIn(config, as, issuer);
  } else {
    show('status', 'Not signed in.');
    $('sign-in').hidden = false;
  }
}

main().catch((error) => {
  show('status', 'Sign-in failed.');
  show('error', describe(error));
});
