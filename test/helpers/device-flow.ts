/**
 * The device flow (RFC 8628) as tests drive it over HTTP: the device's requests, and a person's
 * browser (a cookie jar, test/helpers/browser-http.ts) typing the user code, signing in and
 * answering the consent page.
 */
import { expect } from 'vitest';
import type { DeviceAuthorizationResponse } from '../../src/core/device-authorization.js';
import { csrfTokenOf, hiddenFields, HttpBrowser, type BrowserResponse } from './browser-http.js';
import { basicAuthorization, httpRequest, type HttpResult } from './server.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** XXXX-XXXX from BCDFGHJKLMNPQRSTVWXZ. */
export const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

/** The RFC 8628 §3.2 answer, as Gatehouse types it. */
export type DeviceAuthorization = DeviceAuthorizationResponse;

/** POST /oauth/device_authorization; `basic` authenticates with HTTP Basic. */
export function deviceAuthorizationRequest(
  baseUrl: string,
  params: Record<string, string> | [string, string][],
  { basic, headers = {} }: { basic?: [string, string]; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  return httpRequest(`${baseUrl}/oauth/device_authorization`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic ? { authorization: basicAuthorization(basic[0], basic[1]) } : {}),
      ...headers,
    },
    body: new URLSearchParams(params).toString(),
  });
}

/** A device authorization for a public client, or the test fails. */
export async function startDeviceAuthorization(baseUrl: string, clientId: string, scope?: string) {
  const res = await deviceAuthorizationRequest(baseUrl, { client_id: clientId, ...(scope ? { scope } : {}) });
  expect(res.status, res.text).toBe(200);
  return res.json as DeviceAuthorization;
}

/** The device's poll of the token endpoint as a public client. */
export function pollToken(baseUrl: string, clientId: string, deviceCode: string): Promise<HttpResult> {
  return httpRequest(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: clientId }),
  });
}

/** Types `userCode` on /device (the form's CSRF token taken from the page first). */
export async function enterUserCode(
  browser: HttpBrowser,
  userCode: string,
  headers?: Record<string, string>,
): Promise<BrowserResponse> {
  const form = await browser.get('/device', headers);
  expect(form.status).toBe(200);
  return browser.post(
    '/device',
    [
      ['csrf_token', csrfTokenOf(form.text)],
      ['user_code', userCode],
    ],
    headers,
  );
}

/**
 * A person answering a device's request: types the code, signs in, and presses Approve
 * ('allow') or Deny ('deny'). Returns the consent page and the answer to the button.
 */
export async function answerDevice(
  baseUrl: string,
  userCode: string,
  login: { username: string; password: string },
  decision: 'allow' | 'deny',
): Promise<{ consent: BrowserResponse; answer: BrowserResponse; browser: HttpBrowser }> {
  const browser = new HttpBrowser(baseUrl);
  const entered = await enterUserCode(browser, userCode);
  expect(entered.status, entered.text).toBe(303);
  const resume = entered.location!;
  expect(resume).toMatch(/^\/device\?pending=[A-Za-z0-9_-]{43}$/);
  const signIn = await browser.get(resume);
  expect(signIn.status).toBe(302);
  expect(signIn.location).toBe(`/login?return_to=${encodeURIComponent(resume)}`);
  const signedIn = await browser.signInOrFail(login.username, login.password, resume);
  expect(signedIn.location).toBe(resume);
  const consent = await browser.get(resume);
  expect(consent.status, consent.text).toBe(200);
  const answer = await browser.post('/device/consent', [...hiddenFields(consent.text), ['decision', decision]]);
  return { consent, answer, browser };
}
