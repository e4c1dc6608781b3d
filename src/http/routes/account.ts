import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeviceProof } from '../../accounts/devices.js';
import type { ProfileResult } from '../../accounts/profile.js';
import type { ActiveSession } from '../../accounts/sessions.js';
import { DISPLAY_NAME_MAX_LENGTH } from '../../accounts/canonical.js';
import type { HttpServices } from '../services.js';
import { PAGE_ROUTE, refuseOtherMethods, throttledForm, type BrowserSupport } from '../browser.js';
import { parseParameters, queryOf } from '../form.js';
import { requiredSession } from '../plugins/browser-session.js';
import { pageFormRoute } from '../plugins/csrf.js';
import { accountPage, emailChangedPage, emailConfirmPage, type AccountView } from '../pages/account-views.js';
import { text, type Text } from '../pages/page.js';
import { problemText } from '../problems.js';

/** What /account?done=… says after a change went through. */
const ACCOUNT_NOTICES = new Map<string, Text>([
  ['confirmed', text('account.done.confirmed')],
  ['profile', text('account.done.profile')],
  ['name', text('account.done.name')],
  ['email', text('account.done.email')],
  ['password', text('account.done.password')],
  ['revoked', text('account.done.revoked')],
]);

/** The account page (FOSUserBundle's profile and change-password, plus the apps the user let in). */
export function registerAccountRoutes(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'config' | 'profile'>,
  browser: BrowserSupport,
): void {
  async function showAccount(
    _request: FastifyRequest,
    reply: FastifyReply,
    active: ActiveSession,
    status: number,
    extra: Partial<Pick<AccountView, 'notice' | 'profileError' | 'nameError' | 'passwordError' | 'typed'>> = {},
  ): Promise<FastifyReply> {
    return browser.sendPage(
      reply,
      status,
      accountPage({
        username: active.user.username,
        email: active.user.email,
        displayName: active.user.displayName ?? null,
        emailVerified: active.user.emailVerified ?? false,
        csrfToken: reply.csrfToken('account', active),
        logoutCsrfToken: reply.csrfToken('logout', active),
        grants: await gatehouse.profile.grants(active.user),
        passwordMinLength: gatehouse.config.password_min_length,
        ...extra,
      }),
    );
  }

  /** The browser's device cookie: its own budget for the current password, as at sign-in. */
  const deviceOf = (request: FastifyRequest): DeviceProof => ({ kind: 'cookie', value: browser.deviceCookie(request) });

  /** The account's forms: a signed-out browser is sent to sign in, then back here. */
  const ACCOUNT_FORM = pageFormRoute({
    purpose: 'account',
    session: 'required',
    signedOut: '/login?return_to=%2Faccount',
  });

  function failed(
    request: FastifyRequest,
    reply: FastifyReply,
    result: Exclude<ProfileResult, { kind: 'updated' }>,
  ): Text {
    if (result.kind === 'throttled') {
      return result.cause === 'mail'
        ? throttledForm(request, reply, result.retryAfter, 'requests from your network', 'email_change_throttled')
        : throttledForm(request, reply, result.retryAfter, 'wrong passwords', 'login_throttled');
    }
    request.audit.error = result.problem.field === 'current_password' ? 'login_failed' : 'account_invalid';
    return problemText(result.problem.message);
  }

  app.get('/account', PAGE_ROUTE, async (request, reply) => {
    const active = await request.browserSession();
    if (!active) return reply.redirect('/login?return_to=%2Faccount', 302);
    return showAccount(request, reply, active, 200, {
      notice: ACCOUNT_NOTICES.get(parseParameters(queryOf(request.url)).params.get('done') ?? ''),
    });
  });

  app.post('/account/profile', ACCOUNT_FORM, async (request, reply) => {
    const active = await requiredSession(request);
    const params = request.pageForm;
    const typed = { username: (params.get('username') ?? '').trim(), email: (params.get('email') ?? '').trim() };
    const result = await gatehouse.profile.update(
      active.user,
      { ...typed, currentPassword: params.get('current_password') ?? '' },
      request.ip,
      deviceOf(request),
    );
    // A new e-mail address is answered the same whether or not it has an account.
    if (result.kind === 'updated')
      return reply.redirect(result.emailChangeRequested ? '/account?done=email' : '/account?done=profile', 303);
    const error = failed(request, reply, result);
    return showAccount(request, reply, active, result.kind === 'throttled' ? 429 : 400, {
      profileError: error,
      typed: { username: typed.username.slice(0, 64), email: typed.email.slice(0, 254) },
    });
  });

  app.post('/account/name', ACCOUNT_FORM, async (request, reply) => {
    const active = await requiredSession(request);
    const name = request.pageForm.get('name') ?? '';
    const result = await gatehouse.profile.setDisplayName(active.user, name, request.ip);
    if (result.kind === 'updated') return reply.redirect('/account?done=name', 303);
    request.audit.error = 'account_invalid';
    return showAccount(request, reply, active, 400, {
      nameError: result.kind === 'invalid' ? problemText(result.problem.message) : undefined,
      // What was typed comes back escaped, cut to what the field holds.
      typed: { name: name.slice(0, DISPLAY_NAME_MAX_LENGTH * 2) },
    });
  });

  app.post('/account/password', ACCOUNT_FORM, async (request, reply) => {
    const active = await requiredSession(request);
    const params = request.pageForm;
    const result = await gatehouse.profile.changePassword(
      active.user,
      {
        currentPassword: params.get('current_password') ?? '',
        password: params.get('password') ?? '',
        passwordAgain: params.get('password_again') ?? '',
      },
      request.ip,
      deviceOf(request),
    );
    if (result.kind === 'updated') {
      // Every session ended, this one too: this browser gets a new one and stays signed in.
      await browser.startSession(request, reply, active.user.id);
      return reply.redirect('/account?done=password', 303);
    }
    return showAccount(request, reply, active, result.kind === 'throttled' ? 429 : 400, {
      passwordError: failed(request, reply, result),
    });
  });

  app.post('/account/apps/revoke', ACCOUNT_FORM, async (request, reply) => {
    const active = await requiredSession(request);
    const clientId = request.pageForm.get('client_id') ?? '';
    if (clientId.length > 255) return showAccount(request, reply, active, 400);
    // Revoking an app that has no access any more (a second click) changes nothing and says so.
    await gatehouse.profile.revokeGrant(active.user, clientId, request.ip);
    return reply.redirect('/account?done=revoked', 303);
  });

  const linkNotUsable = (reply: FastifyReply) =>
    browser.sendErrorPage(reply, 400, {
      title: text('link.notUsableTitle'),
      message: text('emailConfirm.linkNotUsable'),
      next: { kind: 'account' },
    });

  // The link sent to a new e-mail address. Opening it only shows a form (mail scanners open
  // links); the account's password then confirms. No session is needed, and a session of
  // another user changes nothing: the link names the account, the password proves it.
  app.get('/account/email/confirm', PAGE_ROUTE, async (request, reply) => {
    const token = parseParameters(queryOf(request.url)).params.get('token') ?? '';
    const pending = await gatehouse.profile.emailChange.pending(token);
    if (!pending) return linkNotUsable(reply);
    return browser.sendPage(
      reply,
      200,
      emailConfirmPage({
        csrfToken: reply.csrfToken('email-confirm'),
        token,
        username: pending.user.username,
        newEmail: pending.newEmail,
      }),
    );
  });

  const emailConfirmForm = pageFormRoute({ purpose: 'email-confirm', session: 'none' });
  app.post('/account/email/confirm', emailConfirmForm, async (request, reply) => {
    const params = request.pageForm;
    const token = params.get('token') ?? '';
    const result = await gatehouse.profile.emailChange.confirm(
      token,
      params.get('password') ?? '',
      request.ip,
      deviceOf(request),
    );
    switch (result.kind) {
      case 'link-not-usable':
        return linkNotUsable(reply);
      case 'address-taken':
        request.audit.error = 'email_taken';
        return browser.sendErrorPage(reply, 409, {
          title: text('emailConfirm.takenTitle'),
          message: text('emailConfirm.takenMessage'),
          next: { kind: 'account' },
        });
      case 'changed':
        return browser.sendPage(reply, 200, emailChangedPage({ email: result.user.email }));
      case 'throttled':
      case 'wrong-password': {
        let error = text('emailConfirm.wrongPassword');
        if (result.kind === 'throttled')
          error = throttledForm(request, reply, result.retryAfter, 'wrong passwords', 'login_throttled');
        else request.audit.error = 'login_failed';
        const { user, newEmail } = result.pending;
        return browser.sendPage(
          reply,
          result.kind === 'throttled' ? 429 : 400,
          emailConfirmPage({
            csrfToken: reply.csrfToken('email-confirm'),
            token,
            username: user.username,
            newEmail,
            error,
          }),
        );
      }
    }
  });

  refuseOtherMethods(app, ['/account/email/confirm']);
  refuseOtherMethods(app, ['/account'], ['GET']);
  refuseOtherMethods(app, ['/account/profile', '/account/name', '/account/password', '/account/apps/revoke'], ['POST']);
}
