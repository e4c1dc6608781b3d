import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActiveSession } from '../../accounts/sessions.js';
import type { BrowserSupport } from '../browser.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The signed-in user of this browser, or null. Looked up on first use and kept for the rest of
     * the request, so the CSRF check and the route share one lookup. Only the page routes have it:
     * an API request's session cookie is never read.
     */
    browserSession(): Promise<ActiveSession | null>;
  }
}

/** One lookup per request; a route that signs the user in or out answers right after. */
const lookups = new WeakMap<FastifyRequest, Promise<ActiveSession | null>>();

/** Decorates the requests of the page route group (see server.ts) with `browserSession()`. */
export function registerBrowserSession(pages: FastifyInstance, browser: BrowserSupport): void {
  pages.decorateRequest('browserSession', function (this: FastifyRequest): Promise<ActiveSession | null> {
    let lookup = lookups.get(this);
    if (!lookup) {
      lookup = browser.session(this);
      lookups.set(this, lookup);
    }
    return lookup;
  });
}

/**
 * The session of a form bound to the signed-in user (`form.session: 'required'`): the CSRF hook
 * has already answered a signed-out browser, so a missing session here is a bug in the route.
 */
export async function requiredSession(request: FastifyRequest): Promise<ActiveSession> {
  const active = await request.browserSession();
  if (!active) throw new Error(`${request.routeOptions.url} needs a session its form declaration does not require`);
  return active;
}
