/**
 * Pages and e-mails in the user's language (issue 18 §6), through the real app in-process: the
 * order ui_locales → the switcher's cookie → Accept-Language → English, the switcher itself (and
 * what it refuses), ui_locales kept with the authorization request through sign-in and consent,
 * an e-mail in the language of the page that sent it, escaping, and the error pages' next step.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorizePath, csrfTokenOf, hiddenFields, HttpBrowser, pkcePair } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import { startMailServer, type MailServer } from '../helpers/mail.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';
const CB = 'https://photos.example/cb';
const ENGLISH = { 'accept-language': 'en-US,en;q=0.9' };
const FRENCH = { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' };

const langOf = (page: string) => /<html lang="([^"]+)" dir="([^"]+)">/.exec(page)?.slice(1);

describeEachEngine('pages and e-mails in the language of the user (e2e)', (factory) => {
  let server: TestServer;
  let mail: MailServer;
  let rp: CreatedClient;
  let hostile: CreatedClient;

  beforeAll(async () => {
    mail = await startMailServer();
    server = await startTestServer({ engine: factory.engine, env: { GATEHOUSE_MAIL_URL: mail.url } });
    [rp, hostile] = await Promise.all([
      server.createClient(['--name', 'Photo Book', '--redirect-uri', CB, '--scope', 'openid profile']),
      server.createClient(['--name', '<img src=x onerror=alert(1)> & Co', '--redirect-uri', CB, '--scope', 'openid']),
      server.createUser('amelie', 'amelie@example.com', PASSWORD),
    ]);
  });

  afterAll(async () => {
    await server?.close();
    await mail?.close();
  });

  const codeRequest = (client: CreatedClient, extra: Record<string, string> = {}) =>
    authorizePath({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: CB,
      scope: 'openid',
      state: 's',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      ...extra,
    });

  it('follows Accept-Language (fr-CA → fr), then English; sets lang, dir and Content-Language', async () => {
    const browser = new HttpBrowser(server.url);
    const fr = await browser.get('/login', FRENCH);
    expect(langOf(fr.text)).toEqual(['fr', 'ltr']);
    expect(fr.headers.get('content-language')).toBe('fr');
    expect(fr.text).toContain('<h1>Connexion</h1>');
    expect(fr.text).toContain('Mot de passe oublié ?');
    const en = await browser.get('/login', { 'accept-language': 'tlh, x-klingon;q=0.8' });
    expect(langOf(en.text)).toEqual(['en', 'ltr']);
    expect(en.text).toContain('<h1>Sign in</h1>');
    expect((await browser.get('/login')).text).toContain('<h1>Sign in</h1>');
  });

  it('gives Simplified Chinese to zh and zh-Hans browsers, not to a Traditional Chinese one; lists Dutch, Polish and Chinese', async () => {
    const browser = new HttpBrowser(server.url);
    for (const acceptLanguage of ['zh-CN,zh;q=0.9', 'zh', 'zh-Hans-SG']) {
      const zh = await browser.get('/login', { 'accept-language': acceptLanguage });
      expect(langOf(zh.text), acceptLanguage).toEqual(['zh-CN', 'ltr']);
      expect(zh.headers.get('content-language')).toBe('zh-CN');
      expect(zh.text).toContain('<h1>登录</h1>');
    }
    // Chrome's header for Taiwan: neither zh-TW nor the bare zh it adds gets Simplified; English is next.
    const tw = await browser.get('/login', { 'accept-language': 'zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7' });
    expect(langOf(tw.text)).toEqual(['en', 'ltr']);
    expect((await browser.get('/login', { 'accept-language': 'zh-HK, ja;q=0.5' })).text).toContain('<html lang="ja"');
    const page = await browser.get('/reset', { 'accept-language': 'pl-PL,pl;q=0.9' });
    expect(langOf(page.text)).toEqual(['pl', 'ltr']);
    expect(page.text).toContain('<h1>Zresetuj hasło</h1>');
    expect(page.text).toContain('<span lang="pl" aria-current="true">Polski</span>');
    for (const [tag, name] of [
      ['nl', 'Nederlands'],
      ['zh-CN', '简体中文'],
    ]) {
      expect(page.text).toContain(
        `<a href="/language?lang=${tag}&amp;return_to=%2Freset" lang="${tag}" hreflang="${tag}">${name}</a>`,
      );
    }
    // The switcher's choice of Dutch wins over the browser's Chinese.
    const res = await browser.get('/language?lang=nl&return_to=%2Freset', { 'accept-language': 'zh-CN' });
    expect(res.status).toBe(303);
    const nl = await browser.get('/reset', { 'accept-language': 'zh-CN' });
    expect(langOf(nl.text)?.[0]).toBe('nl');
    expect(nl.text).toContain('<h1>Je wachtwoord opnieuw instellen</h1>');
  });

  it('gives a browser from Portugal Brazilian Portuguese (pt-PT → pt-BR), and the switcher names it exactly', async () => {
    const browser = new HttpBrowser(server.url);
    const page = await browser.get('/login', { 'accept-language': 'pt-PT,pt;q=0.9,en;q=0.5' });
    expect(langOf(page.text)).toEqual(['pt-BR', 'ltr']);
    expect(page.headers.get('content-language')).toBe('pt-BR');
    expect(page.text).toContain('<h1>Entrar</h1>');
    expect(page.text).toContain('Esqueceu sua senha?');
    expect(page.text).toContain('<span lang="pt-BR" aria-current="true">Português (Brasil)</span>');
    const res = await browser.get('/language?lang=pt-BR&return_to=%2Freset', ENGLISH);
    expect(res.status).toBe(303);
    expect(res.setCookies.find((c) => c.name === 'gatehouse_lang')?.value).toBe('pt-BR');
    expect((await browser.get('/reset', ENGLISH)).text).toContain('Redefinir sua senha');
  });

  it('gives Spanish and Italian browsers of any region their language (es-MX → es, it-CH → it)', async () => {
    const browser = new HttpBrowser(server.url);
    for (const [acceptLanguage, tag, heading] of [
      ['es-MX,es;q=0.9,en;q=0.5', 'es', '<h1>Iniciar sesión</h1>'],
      ['it-CH,de-CH;q=0.8', 'it', '<h1>Accesso</h1>'],
    ] as const) {
      const page = await browser.get('/login', { 'accept-language': acceptLanguage });
      expect(langOf(page.text), acceptLanguage).toEqual([tag, 'ltr']);
      expect(page.headers.get('content-language')).toBe(tag);
      expect(page.text).toContain(heading);
    }
  });

  it('the switcher sets a SameSite=Lax cookie that wins over Accept-Language, and comes back to the page', async () => {
    const browser = new HttpBrowser(server.url);
    const page = await browser.get('/reset', ENGLISH);
    expect(page.text).toContain(
      '<a href="/language?lang=fr&amp;return_to=%2Freset" lang="fr" hreflang="fr">Français</a>',
    );
    const res = await browser.get('/language?lang=fr&return_to=%2Freset', ENGLISH);
    expect(res.status).toBe(303);
    expect(res.location).toBe('/reset');
    const cookie = res.setCookies.find((c) => c.name === 'gatehouse_lang');
    expect(cookie?.value).toBe('fr');
    expect(cookie?.attributes.get('samesite')).toBe('Lax');
    expect(cookie?.attributes.get('httponly')).toBe(true);
    const again = await browser.get('/reset', ENGLISH);
    expect(langOf(again.text)?.[0]).toBe('fr');
    expect(again.text).toContain('Réinitialiser votre mot de passe');
    // Back to English the same way.
    await browser.get('/language?lang=en&return_to=%2Freset', FRENCH);
    expect((await browser.get('/reset', FRENCH)).text).toContain('<h1>Reset your password</h1>');
  });

  it('refuses a language not on the list, a repeated one, and comes back only to a page of this server', async () => {
    const browser = new HttpBrowser(server.url);
    for (const query of ['lang=xx', 'lang=', 'lang=fr%3B%20Domain%3Devil.example', 'lang=fr&lang=en', '']) {
      const res = await browser.get(`/language?${query}`, ENGLISH);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toContain('This language is not available');
      expect(res.setCookies, query).toEqual([]);
    }
    for (const back of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      '/account/../..//evil',
      'login',
    ]) {
      const res = await browser.get(`/language?lang=fr&return_to=${encodeURIComponent(back)}`);
      expect(res.status, back).toBe(303);
      expect(res.location, back).toBe('/login');
    }
    // A page holding a secret from a link (a device's user code, an e-mailed token) keeps it out of the switcher.
    const device = await browser.get('/device?user_code=WDJB-MJHT', ENGLISH);
    expect(device.text).toContain('value="WDJB-MJHT"');
    expect(device.text).toContain('<a href="/language?lang=en" lang="en" hreflang="en">English</a>');
    expect(device.text.match(/WDJB-MJHT/g)).toHaveLength(1);
    // A tampered cookie is ignored: Accept-Language decides.
    browser.jar.set('gatehouse_lang', 'xx');
    expect(langOf((await browser.get('/login', FRENCH)).text)?.[0]).toBe('fr');
    browser.jar.set('gatehouse_lang', '<script>');
    expect(langOf((await browser.get('/login', ENGLISH)).text)?.[0]).toBe('en');
  });

  it('ui_locales wins, and follows the request through sign-in and consent without being a form field', async () => {
    const browser = new HttpBrowser(server.url);
    // Set to English by the switcher and by the browser: the app's ui_locales still wins.
    await browser.get('/language?lang=en');
    const start = await browser.get(codeRequest(rp, { ui_locales: 'xx fr-CA en' }), ENGLISH);
    expect(start.status).toBe(302);
    const loginUrl = start.location!;
    const returnTo = new URL(loginUrl, server.url).searchParams.get('return_to')!;
    expect(returnTo).toMatch(/^\/oauth\/authorize\?pending=/);
    const login = await browser.get(loginUrl, ENGLISH);
    expect(langOf(login.text)?.[0]).toBe('fr');
    expect(login.text).toContain('pour continuer vers <strong>Photo Book</strong>');
    expect(hiddenFields(login.text).map(([name]) => name)).toEqual(['csrf_token', 'return_to']);
    expect(login.text).not.toContain('ui_locales');

    // A wrong password: the form comes back in French, and so does its switcher's way back.
    const wrong = await browser.post(
      '/login',
      { csrf_token: csrfTokenOf(login.text), username: 'amelie', password: 'nope', return_to: returnTo },
      ENGLISH,
    );
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Le nom d’utilisateur ou le mot de passe est incorrect.');
    expect(wrong.text).toContain(`return_to=${encodeURIComponent(`/login?return_to=${encodeURIComponent(returnTo)}`)}`);

    const signedIn = await browser.post(
      '/login',
      { csrf_token: csrfTokenOf(wrong.text), username: 'amelie', password: PASSWORD, return_to: returnTo },
      ENGLISH,
    );
    expect(signedIn.status).toBe(303);
    const consent = await browser.get(signedIn.location!, ENGLISH);
    expect(consent.status).toBe(200);
    expect(langOf(consent.text)?.[0]).toBe('fr');
    expect(consent.text).toContain('<strong>Photo Book</strong> souhaite accéder à votre compte');
    expect(hiddenFields(consent.text).map(([name]) => name)).toEqual(['csrf_token', 'consent_id']);
    // Without ui_locales, the same browser is back to its own choice.
    expect(langOf((await browser.get('/account', ENGLISH)).text)?.[0]).toBe('en');

    // The switcher on the consent page comes back through the request's opaque id, and the user's
    // choice then beats this request's ui_locales.
    const toEnglish = /href="(\/language\?lang=en&amp;[^"]+)"/.exec(consent.text)?.[1]?.replaceAll('&amp;', '&');
    expect(toEnglish).toBe(`/language?lang=en&return_to=${encodeURIComponent(signedIn.location!)}`);
    const switched = await browser.get(toEnglish!, FRENCH);
    expect(switched.location).toBe(signedIn.location);
    const english = await browser.get(switched.location!, FRENCH);
    expect(langOf(english.text)?.[0]).toBe('en');
    expect(english.text).toContain('<strong>Photo Book</strong> wants to access your account');
    // A new request's ui_locales wins again.
    const next = await browser.get(codeRequest(rp, { ui_locales: 'fr' }), ENGLISH);
    expect(langOf(next.text)?.[0]).toBe('fr');
  });

  it('both sign-out confirmations have Sign out and Cancel, in the language asked for', async () => {
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail('amelie', PASSWORD);
    const own = await browser.get('/logout', FRENCH);
    expect(own.status).toBe(200);
    expect(own.text).toContain('<h1>Se déconnecter ?</h1>');
    expect(own.text).toContain('<a class="button secondary" href="/account">Annuler</a>');
    expect(own.text).toContain('<button class="primary" type="submit">Se déconnecter</button>');
    const notYou = await browser.get(`/logout?return_to=${encodeURIComponent('/account?x=1')}`, ENGLISH);
    expect(notYou.text).toContain('<a class="button secondary" href="/account?x=1">Cancel</a>');
    // The app's end-session request, with its ui_locales (RP-Initiated Logout 1.0 §2).
    const endSession = await browser.get(`/oauth/logout?client_id=${rp.client_id}&ui_locales=fr`, ENGLISH);
    expect(endSession.status).toBe(200);
    expect(langOf(endSession.text)?.[0]).toBe('fr');
    expect(endSession.text).toContain('<strong>Photo Book</strong> demande à vous déconnecter.');
    expect(endSession.text).toContain('name="decision" value="cancel">Annuler</button>');
    expect(endSession.text).toContain('name="decision" value="signout">Se déconnecter</button>');
    // Its switcher does not copy the request into its links.
    expect(endSession.text).toContain('href="/language?lang=en" lang="en"');
  });

  it('escapes an app name with markup on a French page', async () => {
    const browser = new HttpBrowser(server.url);
    await browser.signInOrFail('amelie', PASSWORD);
    const consent = await browser.get(codeRequest(hostile, { ui_locales: 'fr' }));
    expect(consent.status).toBe(200);
    expect(consent.text).toContain('<strong>&lt;img src=x onerror=alert(1)&gt; &amp; Co</strong> souhaite accéder');
    expect(consent.text).not.toContain('<img');
  });

  it('sends the reset e-mail in the language of the page that asked for it', async () => {
    const browser = new HttpBrowser(server.url);
    const form = await browser.get('/reset', FRENCH);
    const res = await browser.post('/reset', { csrf_token: csrfTokenOf(form.text), username: 'amelie' }, FRENCH);
    expect(res.status).toBe(303);
    const sent = await browser.get(res.location!, FRENCH);
    expect(sent.text).toContain('Le lien est valable');
    const message = await mail.waitFor('amelie@example.com', /Réinitialisez/);
    expect(message.subject).toBe(`Réinitialisez votre mot de passe pour ${new URL(server.url).host}`);
    expect(message.text).toContain('Bonjour amelie,');
    expect(message.text).toMatch(/Le lien est valable \d+ (heures?|minutes?|jours?), une seule fois/);
    expect(message.html).toContain('<html lang="fr" dir="ltr">');
    expect(message.html).toContain('Choisir un nouveau mot de passe');
  });

  it("links an error page back to a known app's registered address, never to the request's redirect_uri", async () => {
    const browser = new HttpBrowser(server.url);
    const wrongUri = await browser.get(
      authorizePath({ response_type: 'code', client_id: rp.client_id, redirect_uri: 'https://evil.example/cb' }),
      FRENCH,
    );
    expect(wrongUri.status).toBe(400);
    expect(wrongUri.text).toContain('Retournez à <a href="https://photos.example/">Photo Book</a>');
    expect(wrongUri.text).not.toContain('href="https://evil.example');
    const unknown = await browser.get(
      authorizePath({ response_type: 'code', client_id: 'nobody', redirect_uri: 'https://evil.example/cb' }),
      ENGLISH,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Go to the <a href="/login">sign-in page</a>.');
    expect(unknown.text).not.toContain('href="https://evil.example');
  });
});
