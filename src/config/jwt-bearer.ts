/**
 * The jwt_bearer section of the configuration (RFC 7523 §2.1): the issuers whose assertions the
 * JWT bearer grant trusts. Kept apart from schema.ts for its length.
 */
import { z } from 'zod';
import { publicKeySetProblem } from '../core/client-methods.js';

/** One trusted issuer of jwt-bearer assertions: its keys (inline or at a URL) and how its `sub` maps. */
function trustedIssuerSchema() {
  return z
    .object({
      /** The `iss` its assertions carry. */
      issuer: z.string().min(1).max(2000),
      /** Where it publishes its public keys (fetched through the guarded fetcher, cached). */
      jwks_uri: z
        .string()
        .refine((value) => /^https?:\/\/[^\s]+$/.test(value) && URL.canParse(value), 'must be an https URL')
        .optional(),
      /** Its public keys inline: a JWK Set. */
      jwks: z
        .unknown()
        .superRefine((value, ctx) => {
          const problem = value === undefined ? null : publicKeySetProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
      /** What `sub` names: a user by username (or e-mail), a user by id, or the requesting client itself. */
      subject: z.enum(['username', 'user_id', 'client']),
      /** Only these clients may present its assertions; absent: any client allowed the grant. */
      allowed_clients: z.array(z.string().min(1)).optional(),
    })
    .strict()
    .superRefine((issuer, ctx) => {
      if ((issuer.jwks === undefined) === (issuer.jwks_uri === undefined))
        ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'give exactly one of jwks and jwks_uri' });
    });
}

/** The section: `jwt_bearer: { issuers: [...] }`. */
export const jwtBearerSection = z
  .object({
    /** Trusted issuers; none: every jwt-bearer request is refused (invalid_grant). */
    issuers: z
      .array(trustedIssuerSchema())
      .max(100)
      .default([])
      .superRefine((issuers, ctx) => {
        const seen = new Set<string>();
        for (const [index, { issuer }] of issuers.entries()) {
          if (seen.has(issuer)) ctx.addIssue({ code: 'custom', path: [index, 'issuer'], message: 'is listed twice' });
          seen.add(issuer);
        }
      }),
  })
  .strict()
  .default({ issuers: [] });
