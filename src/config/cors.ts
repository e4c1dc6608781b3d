/**
 * The cors section of the configuration (W3C Fetch, CORS): which browser origins may call the API
 * is per client (`client create --allowed-origin`); this says what is answered beyond the
 * defaults. Kept apart from schema.ts for its length.
 */
import { z } from 'zod';

export const corsSection = z
  .object({
    /**
     * Answer CORS at the introspection endpoint too (RFC 7662), for the clients that registered
     * the page's origin. Off: introspection is for resource servers, which are not browser pages.
     */
    introspection: z.boolean().default(false),
    /** Seconds a browser may keep a preflight's answer (Access-Control-Max-Age; browsers cap it, Chromium at 7200). */
    max_age: z.number().int().min(0).max(86_400).default(600),
  })
  .strict()
  .default({ introspection: false, max_age: 600 });
