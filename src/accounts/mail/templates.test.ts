/**
 * MailTemplates (src/accounts/mail/templates.ts): the built-in e-mails, escaping, override
 * folders and their errors, and durationInWords. Pure unit tests: files in a temporary folder.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../i18n/languages.js';
import {
  durationInWords,
  MailTemplates,
  TEMPLATE_NAMES,
  TemplateError,
  type TemplateName,
  type TemplateValues,
} from './templates.js';

const VALUES: TemplateValues = {
  username: 'alice',
  site: 'auth.example.com',
  link: 'https://auth.example.com/some/link?token=abc123&x=1',
  expires_in: '24 hours',
  new_email: 'alice.new@example.com',
};

/** Which placeholders each built-in template shows in its text body. */
const SHOWS: Record<TemplateName, Array<keyof TemplateValues>> = {
  confirmation: ['username', 'site', 'link', 'expires_in'],
  resetting: ['username', 'site', 'link', 'expires_in'],
  password_changed: ['username', 'site'],
  email_changed: ['username', 'site', 'new_email'],
  already_registered: ['username', 'site', 'link'],
  email_change: ['username', 'site', 'link', 'expires_in', 'new_email'],
  email_change_requested: ['username', 'site', 'new_email'],
  email_in_use: ['username', 'site'],
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-templates-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A new folder under `dir` holding `files` (name → content). */
async function folderWith(name: string, files: Record<string, string>): Promise<string> {
  const folder = join(dir, name);
  await mkdir(folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(join(folder, file), content);
  return folder;
}

/** The TemplateError `fn` throws (fails the test when it throws nothing or something else). */
function templateError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).name).toBe('TemplateError');
    return error as TemplateError;
  }
  throw new Error('did not throw');
}

describe('built-in templates', () => {
  const templates = new MailTemplates();

  it('there are exactly the eight documented templates', () => {
    expect([...TEMPLATE_NAMES].sort()).toEqual([
      'already_registered',
      'confirmation',
      'email_change',
      'email_change_requested',
      'email_changed',
      'email_in_use',
      'password_changed',
      'resetting',
    ]);
  });

  it.each(TEMPLATE_NAMES.map((name) => [name]))(
    '%s renders a subject, a text and an HTML body with every value filled',
    (name) => {
      const message = templates.render(name, 'alice@example.com', VALUES);
      expect(message.to).toBe('alice@example.com');
      for (const part of [message.subject, message.text, message.html]) {
        expect(part.length).toBeGreaterThan(0);
        // No placeholder is left over.
        expect(part).not.toMatch(/\{\{|\}\}/);
      }
      expect(message.subject).toContain('auth.example.com');
      expect(message.subject).not.toMatch(/[\r\n]/);
      for (const key of SHOWS[name]) {
        expect(message.text, `${name}.text shows ${key}`).toContain(VALUES[key]);
        // The link has an & which the HTML body escapes.
        const inHtml = key === 'link' ? VALUES.link.replace('&', '&amp;') : VALUES[key];
        expect(message.html, `${name}.html shows ${key}`).toContain(inHtml);
      }
      expect(message.html).toMatch(/^<!doctype html>/i);
    },
  );

  it('links are in the HTML body as links', () => {
    for (const name of ['confirmation', 'resetting', 'already_registered', 'email_change'] as const) {
      const { html } = templates.render(name, 'a@example.com', VALUES);
      expect(html, name).toContain(`href="${VALUES.link.replace('&', '&amp;')}"`);
    }
  });

  it('each subject says what the message is about', () => {
    const subject = (name: TemplateName) => templates.render(name, 'a@example.com', VALUES).subject;
    expect(subject('confirmation')).toBe('Confirm your e-mail address for auth.example.com');
    expect(subject('resetting')).toBe('Reset your password for auth.example.com');
    expect(subject('password_changed')).toBe('Your password for auth.example.com was changed');
    expect(subject('email_changed')).toBe('Your e-mail address on auth.example.com was changed');
    expect(subject('already_registered')).toBe('You already have an account on auth.example.com');
    expect(subject('email_change')).toBe('Confirm your new e-mail address for auth.example.com');
    expect(subject('email_change_requested')).toBe('A change of your e-mail address on auth.example.com was asked for');
    expect(subject('email_in_use')).toBe('Your e-mail address on auth.example.com was given for another account');
  });

  it('the e-mail change messages: the link only to the new address, the old one is told how to stop it, the holder learns nothing new', () => {
    const link = templates.render('email_change', 'alice.new@example.com', VALUES);
    expect(link.text).toContain('You will be asked for your password.');
    expect(link.text).toContain('Until you follow it, your account keeps its current address.');
    const notice = templates.render('email_change_requested', 'alice@example.com', VALUES);
    expect(notice.text).toContain('asked to change its e-mail address to alice.new@example.com');
    expect(notice.text).toContain('If this was not you, change your password now');
    expect(notice.text).not.toContain(VALUES.link);
    // The holder of the address hears only that someone tried: no link, not the account that tried.
    const inUse = templates.render('email_in_use', 'bob@example.com', {
      ...VALUES,
      username: 'bob',
      link: '',
      new_email: '',
    });
    expect(inUse.text).toContain('It already belongs to your account, whose username is bob');
    expect(inUse.text).not.toMatch(/https?:/);
    expect(inUse.text).not.toContain('alice');
  });

  it('values are HTML-escaped in the HTML body, and only there', () => {
    const nasty = `<b>&"'`;
    const message = templates.render('email_changed', 'a@example.com', {
      ...VALUES,
      username: nasty,
      new_email: `x<script>@example.com`,
    });
    expect(message.html).toContain('&lt;b&gt;&amp;&quot;&#39;');
    expect(message.html).not.toContain('<b>');
    expect(message.html).not.toContain('<script>');
    expect(message.html).toContain('x&lt;script&gt;@example.com');
    // Plain text is plain: shown as typed.
    expect(message.text).toContain(nasty);
    expect(message.text).toContain('x<script>@example.com');
  });

  it('a value with a line break cannot add a header: the subject stays on one line', () => {
    const message = templates.render('confirmation', 'a@example.com', {
      ...VALUES,
      site: 'evil.example\r\nBcc: victim@example.com\n',
    });
    expect(message.subject).not.toMatch(/[\r\n]/);
    expect(message.subject).toBe('Confirm your e-mail address for evil.example Bcc: victim@example.com ');
  });

  it('a value that looks like a placeholder is not filled in again', () => {
    const message = templates.render('password_changed', 'a@example.com', { ...VALUES, username: '{{site}}' });
    expect(message.text).toContain('Hello {{site}},');
  });
});

describe('an override folder', () => {
  it('replaces only the files present: a .txt replaces subject and text, the built-in HTML stays', async () => {
    const folder = await folderWith('txt-only', {
      'confirmation.txt':
        'Subject: Welcome to {{site}}, {{username}}\n\nHi {{username}}! Click {{link}} within {{expires_in}}.\n',
    });
    const templates = new MailTemplates(folder);
    const builtIn = new MailTemplates();

    const message = templates.render('confirmation', 'a@example.com', VALUES);
    expect(message.subject).toBe('Welcome to auth.example.com, alice');
    expect(message.text).toBe(`Hi alice! Click ${VALUES.link} within 24 hours.\n`);
    expect(message.html).toBe(builtIn.render('confirmation', 'a@example.com', VALUES).html);

    // The other templates are the built-in ones.
    for (const name of TEMPLATE_NAMES.filter((n) => n !== 'confirmation')) {
      expect(templates.render(name, 'a@example.com', VALUES), name).toEqual(
        builtIn.render(name, 'a@example.com', VALUES),
      );
    }
  });

  it('a .html replaces the HTML body only (values escaped there too)', async () => {
    const folder = await folderWith('html-only', {
      'resetting.html': '<p>Reset for {{ username }} at <a href="{{link}}">{{site}}</a></p>',
    });
    const templates = new MailTemplates(folder);
    const builtIn = new MailTemplates().render('resetting', 'a@example.com', VALUES);
    const message = templates.render('resetting', 'a@example.com', { ...VALUES, username: '<i>bob</i>' });
    expect(message.html).toBe(
      `<p>Reset for &lt;i&gt;bob&lt;/i&gt; at <a href="${VALUES.link.replace('&', '&amp;')}">auth.example.com</a></p>`,
    );
    expect(message.subject).toBe(builtIn.subject);
    expect(message.text).toContain('<i>bob</i>');
  });

  it('both files of a template, with Windows line endings', async () => {
    const folder = await folderWith('both', {
      'password_changed.txt': 'Subject: Password changed on {{site}}\r\n\r\nHello {{username}}.\r\n',
      'password_changed.html': '<p>Hello {{username}}.</p>',
    });
    const message = new MailTemplates(folder).render('password_changed', 'a@example.com', VALUES);
    expect(message.subject).toBe('Password changed on auth.example.com');
    expect(message.text).toBe('Hello alice.\r\n');
    expect(message.html).toBe('<p>Hello alice.</p>');
  });

  it('a subject made from a value with a line break stays on one line', async () => {
    const folder = await folderWith('subject-username', {
      'password_changed.txt': 'Subject: Hello {{username}}\n\nBody\n',
    });
    const message = new MailTemplates(folder).render('password_changed', 'a@example.com', {
      ...VALUES,
      username: 'eve\r\nBcc: x@example.com',
    });
    expect(message.subject).toBe('Hello eve Bcc: x@example.com');
  });

  it('an empty folder changes nothing', async () => {
    const folder = await folderWith('empty', {});
    const templates = new MailTemplates(folder);
    const builtIn = new MailTemplates();
    for (const name of TEMPLATE_NAMES)
      expect(templates.render(name, 'a@example.com', VALUES)).toEqual(builtIn.render(name, 'a@example.com', VALUES));
  });

  it('a .txt without a Subject line is refused, naming the file', async () => {
    const folder = await folderWith('no-subject', { 'resetting.txt': 'Hello {{username}},\n\n{{link}}\n' });
    const error = templateError(() => new MailTemplates(folder));
    expect(error.message).toContain(join(folder, 'resetting.txt'));
    expect(error.message).toMatch(/Subject/);
  });

  it('a Subject line not followed by a blank line is refused, naming the file', async () => {
    const folder = await folderWith('no-blank', { 'confirmation.txt': 'Subject: Hi\nBody right away {{link}}\n' });
    const error = templateError(() => new MailTemplates(folder));
    expect(error.message).toContain(join(folder, 'confirmation.txt'));
  });

  it('an unknown placeholder is refused, naming the file and the placeholder', async () => {
    const text = await folderWith('unknown-text', { 'email_changed.txt': 'Subject: Changed\n\nNow {{new_address}}\n' });
    const textError = templateError(() => new MailTemplates(text));
    expect(textError.message).toContain(join(text, 'email_changed.txt'));
    expect(textError.message).toContain('{{new_address}}');
    expect(textError.message).toContain('new_email');

    const html = await folderWith('unknown-html', { 'confirmation.html': '<p>{{username}} {{password}}</p>' });
    const htmlError = templateError(() => new MailTemplates(html));
    expect(htmlError.message).toContain(join(html, 'confirmation.html'));
    expect(htmlError.message).toContain('{{password}}');

    const subject = await folderWith('unknown-subject', { 'resetting.txt': 'Subject: {{token}}\n\n{{link}}\n' });
    expect(templateError(() => new MailTemplates(subject)).message).toContain(join(subject, 'resetting.txt'));
  });

  it('a folder that does not exist is refused, naming it and the setting', () => {
    const missing = join(dir, 'does-not-exist');
    const error = templateError(() => new MailTemplates(missing));
    expect(error.message).toContain(missing);
    expect(error.message).toContain('mail.templates');
  });
});

describe('durationInWords', () => {
  it.each([
    [86_400, '24 hours'],
    [172_800, '2 days'],
    [259_200, '3 days'],
    [604_800, '7 days'],
    // Two days and an hour is not a whole number of days: hours.
    [176_400, '49 hours'],
    [7200, '2 hours'],
    [3600, '1 hour'],
    [1800, '30 minutes'],
    // Not whole hours: minutes, never rounded up (the link must not die before the e-mail says).
    [5400, '90 minutes'],
    [3599, '59 minutes'],
    [120, '2 minutes'],
    [90, '90 seconds'],
    [60, '1 minute'],
    [30, '30 seconds'],
    [1, '1 second'],
  ])('%i s is "%s"', (seconds, words) => {
    expect(durationInWords(seconds)).toBe(words);
  });
});

describe('e-mails in other languages', () => {
  it('the built-in e-mails speak the language asked for, durations too', () => {
    const templates = new MailTemplates();
    const fr = templates.render(
      'resetting',
      'a@example.com',
      { ...VALUES, expires_in: durationInWords(86_400, 'fr') },
      'fr',
    );
    expect(fr.subject).toBe('Réinitialisez votre mot de passe pour auth.example.com');
    expect(fr.text).toContain('Bonjour alice,');
    expect(fr.text).toContain('Le lien est valable 24 heures, une seule fois.');
    expect(fr.html).toContain('<html lang="fr" dir="ltr">');
    const ja = templates.render(
      'confirmation',
      'a@example.com',
      { ...VALUES, expires_in: durationInWords(172_800, 'ja') },
      'ja',
    );
    expect(ja.subject).toBe('auth.example.com のメールアドレスの確認');
    expect(ja.text).toContain('リンクの有効期間は2日で');
    // A language Gatehouse does not have: English.
    expect(templates.render('resetting', 'a@example.com', VALUES, 'xx').subject).toBe(
      'Reset your password for auth.example.com',
    );
  });

  it('NAME.LANG.txt replaces NAME.txt in that language; NAME.txt the built-in in every other', async () => {
    const folder = await folderWith('languages', {
      'password_changed.txt': 'Subject: Changed on {{site}}\n\nHi {{username}}.\n',
      'password_changed.fr.txt': 'Subject: Modifié sur {{site}}\n\nSalut {{username}}.\n',
      'resetting.de.html': '<p>Hallo {{username}}, <a href="{{link}}">hier</a>.</p>',
      'password_changed.pt-BR.txt': 'Subject: Alterada em {{site}}\n\nOlá, {{username}}.\n',
    });
    const templates = new MailTemplates(folder);
    const builtIn = new MailTemplates();
    expect(templates.render('password_changed', 'a@example.com', VALUES, 'fr')).toMatchObject({
      subject: 'Modifié sur auth.example.com',
      text: 'Salut alice.\n',
    });
    expect(templates.render('password_changed', 'a@example.com', VALUES, 'de').text).toBe('Hi alice.\n');
    // A language with a region: the file names its tag as Gatehouse lists it.
    expect(templates.render('password_changed', 'a@example.com', VALUES, 'pt-BR')).toMatchObject({
      subject: 'Alterada em auth.example.com',
      text: 'Olá, alice.\n',
    });
    expect(templates.render('password_changed', 'a@example.com', VALUES, 'en').text).toBe('Hi alice.\n');
    // The HTML part not overridden stays the built-in one of that language.
    expect(templates.render('password_changed', 'a@example.com', VALUES, 'fr').html).toBe(
      builtIn.render('password_changed', 'a@example.com', VALUES, 'fr').html,
    );
    const de = templates.render('resetting', 'a@example.com', { ...VALUES, username: '<b>' }, 'de');
    expect(de.html).toBe(`<p>Hallo &lt;b&gt;, <a href="${VALUES.link.replace('&', '&amp;')}">hier</a>.</p>`);
    expect(de.text).toBe(builtIn.render('resetting', 'a@example.com', { ...VALUES, username: '<b>' }, 'de').text);
    expect(templates.render('resetting', 'a@example.com', VALUES, 'fr').html).toBe(
      builtIn.render('resetting', 'a@example.com', VALUES, 'fr').html,
    );
  });

  it('a template for a language Gatehouse does not have stops start-up, naming the file', async () => {
    // Portuguese is pt-BR: a file names a language exactly as Gatehouse lists it.
    const folder = await folderWith('unknown-language', { 'confirmation.pt.txt': 'Subject: Olá\n\nOlá.\n' });
    const error = (() => {
      try {
        new MailTemplates(folder);
      } catch (caught) {
        return caught as Error;
      }
      return null;
    })();
    expect(error?.name).toBe('TemplateError');
    expect(error?.message).toContain(join(folder, 'confirmation.pt.txt'));
    expect(error?.message).toContain(`languages: ${LANGUAGES.map(({ tag }) => tag).join(', ')}`);
  });
});
