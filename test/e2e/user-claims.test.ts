/**
 * The user data behind the OpenID Connect `name` and `email_verified` claims, on both engines:
 * email_verified becomes true when the sign-up confirmation link is followed and when an e-mail
 * change is confirmed, and an administrator's change of the address without a link clears it;
 * the account page sets the display name (CSRF-protected, bounded, escaped) and says whether the
 * address is verified. The same page in Chromium: test/browser/accounts.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  accountPage,
  expectConfirmed,
  expectCsrfFailure,
  expectHtmlPage,
  followConfirmation,
  SUBJECT,
  signUp,
} from '../helpers/account-pages.js';
import { csrfTokenOf, decodeHtml, hiddenFields, HttpBrowser } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { linkIn, startMailServer, type MailServer } from '../helpers/mail.js';
import { startTestServer, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';

/** The CSRF token of the account page's name form. */
function nameFormCsrf(page: string): string {
  const form = /<form method="post" action="\/account\/name">([\s\S]*?)<\/form>/.exec(page)?.[1];
  expect(form, 'the name form').toBeDefined();
  return new Map(hiddenFields(form!)).get('csrf_token')!;
}

/** The section of the account page from heading `id` to the next <h2>. */
function section(page: string, id: string): string {
  const start = page.indexOf(`<h2 id="${id}">`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  const end = page.indexOf('<h2', start + 4);
  return page.slice(start, end < 0 ? undefined : end);
}

describeEachEngine('name and email_verified: where they come from (e2e)', (factory) => {
  let mail: MailServer;
  let server: TestServer;

  beforeAll(async () => {
    mail = await startMailServer();
    server = await startTestServer({
      engine: factory.engine,
      env: { GATEHOUSE_REGISTRATION_ENABLED: 'true', GATEHOUSE_MAIL_URL: mail.url },
    });
    await Promise.all([
      server.createUser('alice', 'alice@example.com', PASSWORD),
      server.createUser('vera', 'vera@example.com', PASSWORD, ['--email-verified', '--name', 'Vera Lynn']),
    ]);
  });

  afterAll(async () => {
    await server?.close();
    await mail?.close();
  });

  const stored = async (login: string) => {
    const user = await server.accounts().find(login);
    return { name: user.displayName, email: user.email, email_verified: user.emailVerified };
  };

  async function signedIn(user: string): Promise<HttpBrowser> {
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail(user, PASSWORD);
    return browser;
  }

  it('sign-up leaves the address unverified; following the confirmation link verifies it', async () => {
    const browser = new HttpBrowser(server.url);
    expect((await signUp(browser, { username: 'nadia', email: 'nadia@example.com', password: PASSWORD })).status).toBe(
      303,
    );
    const link = linkIn(await mail.waitFor('nadia@example.com', SUBJECT.confirmation), '/register/confirm');
    expect(await stored('nadia')).toEqual({ name: null, email: 'nadia@example.com', email_verified: false });
    // A wrong password uses nothing up and verifies nothing.
    expect((await followConfirmation(new HttpBrowser(server.url), link, 'not the password')).res.status).toBe(400);
    expect((await stored('nadia')).email_verified).toBe(false);
    expectConfirmed((await followConfirmation(browser, link, PASSWORD)).res);
    expect(await stored('nadia')).toMatchObject({ email_verified: true });
    const page = await accountPage(browser);
    expect(page.text).toContain('This address is verified');
  });

  it('an e-mail change verifies the new address only when its link is confirmed', async () => {
    const browser = await signedIn('alice');
    expect((await accountPage(browser)).text).toContain('This address is not verified yet');
    const page = await accountPage(browser);
    const form = /<form method="post" action="\/account\/profile">([\s\S]*?)<\/form>/.exec(page.text)![1]!;
    const asked = await browser.post('/account/profile', {
      csrf_token: new Map(hiddenFields(form)).get('csrf_token')!,
      username: 'alice',
      email: 'alice@example.org',
      current_password: PASSWORD,
    });
    expect(asked.status).toBe(303);
    const link = linkIn(
      await mail.waitFor('alice@example.org', /^Confirm your new e-mail address/),
      '/account/email/confirm',
    );
    expect(await stored('alice')).toEqual({ name: null, email: 'alice@example.com', email_verified: false });
    const reader = new HttpBrowser(server.url);
    const confirmPage = await reader.get(link);
    const done = await reader.post('/account/email/confirm', {
      csrf_token: csrfTokenOf(confirmPage.text),
      token: new URL(link).searchParams.get('token')!,
      password: PASSWORD,
    });
    expectHtmlPage(done, 200);
    expect(await stored('alice')).toEqual({ name: null, email: 'alice@example.org', email_verified: true });
  });

  it("an administrator's user create --email-verified sets it; update --email without it clears it", async () => {
    expect(await stored('vera')).toEqual({ name: 'Vera Lynn', email: 'vera@example.com', email_verified: true });
    const accounts = server.accounts();
    // The same address in other letter case is not a new address: still verified.
    await accounts.update('vera', { email: 'Vera@Example.com' });
    expect(await stored('vera')).toMatchObject({ email: 'Vera@Example.com', email_verified: true });
    await accounts.update('vera', { email: 'vera@example.net' });
    expect(await stored('vera')).toMatchObject({ email: 'vera@example.net', email_verified: false });
    await accounts.update('vera', { email: 'vera@example.org', emailVerified: true, displayName: '  Vera  ' });
    expect(await stored('vera')).toEqual({ name: 'Vera', email: 'vera@example.org', email_verified: true });
    await accounts.update('vera', { emailVerified: false, displayName: '' });
    expect(await stored('vera')).toEqual({ name: null, email: 'vera@example.org', email_verified: false });
    await expect(accounts.update('vera', { email: 'alice@example.org' })).rejects.toThrow(/already exists/);
    await expect(accounts.update('vera', {})).rejects.toThrow(/nothing to change/);
  });

  it('the account page sets the display name: trimmed, escaped when shown, bounded, CSRF-protected', async () => {
    const browser = await signedIn('vera');
    const save = async (name: string, csrf?: string) =>
      browser.post('/account/name', { csrf_token: csrf ?? nameFormCsrf((await accountPage(browser)).text), name });

    const saved = await save('  Vera <b>Lynn</b> & "co"  ');
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/account?done=name');
    expect((await stored('vera')).name).toBe('Vera <b>Lynn</b> & "co"');
    const page = await browser.get('/account?done=name');
    expect(page.text).not.toContain('<b>Lynn</b>');
    expect(section(page.text, 'name')).toContain('value="Vera &lt;b&gt;Lynn&lt;/b&gt; &amp; &quot;co&quot;"');

    // Attacker: markup that would close the attribute and add a script stays text.
    const attack = '"><script>alert(1)</script>';
    expect((await save(attack)).status).toBe(303);
    const attacked = await browser.get('/account');
    expect(attacked.text).not.toContain('<script>alert(1)');
    expect(decodeHtml(/id="display_name" name="name" type="text" value="([^"]*)"/.exec(attacked.text)![1]!)).toBe(
      attack,
    );

    // Oversized, or with a line break: 400 with the reason, nothing stored; what was typed comes back cut.
    const long = await save('x'.repeat(5000));
    expectHtmlPage(long, 400);
    expect(decodeHtml(section(long.text, 'name'))).toContain('Name must be at most 100 characters.');
    expect(long.text).not.toContain('x'.repeat(201));
    expect(decodeHtml((await save('Vera\nLynn')).text)).toContain('line breaks');
    expect((await stored('vera')).name).toBe(attack);
    expect((await save('é'.repeat(100))).status).toBe(303);

    // A forged form (no token of this session) changes nothing.
    expectCsrfFailure(await save('Forged', 'x'.repeat(43)));
    expect((await stored('vera')).name).toBe('é'.repeat(100));
    // Empty removes the name.
    expect((await save('   ')).status).toBe(303);
    expect((await stored('vera')).name).toBeNull();
    // Signed out: the sign-in page, nothing changed.
    const stranger = await new HttpBrowser(server.url).post('/account/name', { csrf_token: 'x', name: 'Hijack' });
    expect(stranger.location).toBe('/login?return_to=%2Faccount');
    expect((await stored('vera')).name).toBeNull();
  });
});
