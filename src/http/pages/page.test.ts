import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/catalogs/en.js';
import type { Language } from '../../i18n/languages.js';
import { Translator, translatorFor } from '../../i18n/translator.js';
import { PageText, text } from './page.js';
import { consentPage, errorPage, loginPage } from './views.js';

const login = loginPage({ csrfToken: 'c', returnTo: null, clientName: 'Photo <App>', registrationOpen: true });

describe('pages in a language', () => {
  it('set <html lang> and dir from the language, and list the others in the switcher', () => {
    const page = login({ t: new PageText(translatorFor('fr')), here: '/login?return_to=%2Faccount' });
    expect(page).toContain('<html lang="fr" dir="ltr">');
    expect(page).toContain('<title>Connexion · Gatehouse</title>');
    expect(page).toContain('pour continuer vers <strong>Photo &lt;App&gt;</strong>');
    expect(page).toContain(
      '<a href="/language?lang=en&amp;return_to=%2Flogin%3Freturn_to%3D%252Faccount" lang="en" hreflang="en">English</a>',
    );
    expect(page).toContain('<span lang="fr" aria-current="true">Français</span>');
  });

  it('are right to left for a right-to-left language (a fake Arabic catalog)', () => {
    const arabic = new Translator('ar' as Language, { ...en, 'login.title': 'تسجيل الدخول' });
    const page = login({ t: new PageText(arabic), here: null });
    expect(page).toContain('<html lang="ar" dir="rtl">');
    expect(page).toContain('<h1>تسجيل الدخول</h1>');
  });

  it('escape the catalog text and every value: markup in a translation, a username or an app name stays text', () => {
    const hostile = new Translator('en', {
      ...en,
      // A quoted '<…>' is literal text in ICU MessageFormat: what a careless translation could hold.
      'login.lead': "with '<img src=x onerror=alert(1)>' your account",
      'consent.heading': "<b>{app}</b> wants '<i>'access & more",
    });
    const t = new PageText(hostile);
    const page = loginPage({ csrfToken: 'c', returnTo: null, clientName: null, registrationOpen: false })({
      t,
      here: null,
    });
    expect(page).toContain('with &lt;img src=x onerror=alert(1)&gt; your account');
    const consent = consentPage({
      clientName: '<script>alert(1)</script>',
      redirectHost: 'app.example"><x',
      scopes: [],
      username: '<b>mallory</b>',
      csrfToken: 'c',
      consentId: 'id',
      remembered: true,
      resumeUrl: '/oauth/authorize?pending=x',
    })({ t, here: null });
    expect(consent).toContain('<h1><strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong> wants ');
    expect(consent).not.toContain('<script>');
    expect(consent).toContain('wants &lt;i&gt;access &amp; more');
    expect(consent).toContain('Signed in as <strong>&lt;b&gt;mallory&lt;/b&gt;</strong>');
    expect(consent).toContain('<strong>app.example&quot;&gt;&lt;x</strong>');
  });

  it('say counts with the plural rules of the language', () => {
    const en1 = new PageText(translatorFor('en')).say(text('login.throttled', { seconds: 1 })).value;
    const fr2 = new PageText(translatorFor('fr')).say(text('login.throttled', { seconds: 2 })).value;
    expect(en1).toContain('wait 1 second,');
    expect(fr2).toContain('Patientez 2 secondes,');
    // Japanese has no plural forms, and no Latin script.
    const ja1 = new PageText(translatorFor('ja')).say(text('login.throttled', { seconds: 1 })).value;
    expect(ja1).toBe('サインインの失敗が多すぎます。1秒待ってから、もう一度お試しください。');
    const page = login({ t: new PageText(translatorFor('ja')), here: '/login' });
    expect(page).toContain('<html lang="ja" dir="ltr">');
    expect(page).toContain('<strong>Photo &lt;App&gt;</strong> に進むには');
    expect(page).toContain('<span lang="ja" aria-current="true">日本語</span>');
  });

  it('link back to the app on an error page only through the address given, escaped', () => {
    const page = errorPage({
      title: text('error.untrustedTitle'),
      message: text('error.untrusted'),
      next: { kind: 'app', name: 'Notes & <Co>', uri: 'https://notes.example/' },
    })({ t: new PageText(translatorFor('en')), here: null });
    expect(page).toContain(
      'Go back to <a href="https://notes.example/">Notes &amp; &lt;Co&gt;</a> and start the sign-in again.',
    );
  });
});
