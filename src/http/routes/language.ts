import type { FastifyInstance } from 'fastify';
import { inLanguageOf } from '../../i18n/current.js';
import { PAGE_ROUTE, refuseOtherMethods, safeLocalPath, type BrowserSupport } from '../browser.js';
import { parseParameters, queryOf } from '../form.js';
import { text } from '../pages/page.js';

/**
 * The language of the pages. Every page request runs in its language, so that an e-mail it sends
 * goes out in it too (i18n/current.ts). GET /language?lang=fr&return_to=/login is the language
 * switcher's link: it keeps the choice in a cookie (SameSite=Lax, a listed language only) and
 * goes back to the page of this server it came from. A link, not a form, because the pages run
 * no script; choosing a language changes nothing but the words, so a cross-site link to it can do
 * no more than a visit to the page in that language would.
 */
export function registerLanguage(app: FastifyInstance, browser: BrowserSupport): void {
  app.addHook('onRequest', (request, _reply, done) => inLanguageOf(() => browser.language(request), done));

  app.get('/language', PAGE_ROUTE, async (request, reply) => {
    const { params, repeated } = parseParameters(queryOf(request.url));
    const returnTo = safeLocalPath(params.get('return_to'));
    if (repeated.length > 0 || !browser.setLanguageCookie(reply, params.get('lang') ?? '', returnTo)) {
      request.audit.error = 'invalid_request';
      return browser.sendErrorPage(reply, 400, {
        title: text('error.languageTitle'),
        message: text('error.language'),
      });
    }
    return reply.redirect(returnTo ?? '/login', 303);
  });

  refuseOtherMethods(app, ['/language'], ['GET']);
}
