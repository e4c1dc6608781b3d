/**
 * Notes API: a small Fastify API whose routes are protected by Gatehouse access tokens.
 *
 *   GET  /health   public
 *   GET  /notes    needs the "read" scope: the caller's notes
 *   POST /notes    needs the "write" scope: {"text": "..."} adds a note
 *   GET  /whoami   any valid token: who calls, with which scopes and roles
 *
 * Configured by the environment:
 *   GATEHOUSE_ISSUER                Gatehouse's issuer URL (default http://127.0.0.1:8080)
 *   NOTES_PORT                      port to listen on (default 3000), NOTES_HOST (default 127.0.0.1)
 *   NOTES_CLIENT_ID, NOTES_CLIENT_SECRET
 *                                   optional: this API's own client (created with --introspect),
 *                                   to accept opaque tokens; without them only JWTs are accepted
 */
import Fastify from 'fastify';
import { createResourceServer, requireScope } from 'gatehouse/resource';

const issuer = process.env.GATEHOUSE_ISSUER ?? 'http://127.0.0.1:8080';
const port = Number(process.env.NOTES_PORT ?? 3000);
const host = process.env.NOTES_HOST ?? '127.0.0.1';
const clientId = process.env.NOTES_CLIENT_ID;
const clientSecret = process.env.NOTES_CLIENT_SECRET;

const gatehouse = createResourceServer({
  issuer,
  // Opaque tokens are checked with Gatehouse's introspection endpoint, JWTs with its public keys.
  introspection: clientId && clientSecret ? { clientId, clientSecret } : undefined,
});

/** Notes in memory, per subject (a user, or a client acting for itself). */
const notesBySubject = new Map();

const app = Fastify({ logger: true });

app.get('/health', async () => ({ status: 'ok' }));

app.get('/notes', { preHandler: gatehouse.fastify(requireScope('read')) }, async (request) => {
  return notesBySubject.get(request.gatehouse.sub) ?? [];
});

// Scopes show up in `roles` as SCOPE_<scope> (SCOPE_read), in a namespace apart from the
// user's own roles (ROLE_ADMIN, in JWTs with Gatehouse's jwt_user_claims): a client granted the
// scope "admin" has SCOPE_admin, never ROLE_ADMIN. Check a scope with requireScope('admin'), a
// user's role with request.gatehouse.roles.includes('ROLE_ADMIN').
app.get('/whoami', { preHandler: gatehouse.fastify() }, async (request) => {
  const { sub, clientId, username, scopes, roles } = request.gatehouse;
  return { sub, clientId, username, scopes, roles };
});

app.post('/notes', { preHandler: gatehouse.fastify(requireScope('write')) }, async (request, reply) => {
  // Checked here rather than with a route schema: Fastify validates before the preHandler runs,
  // and a caller without a valid token should learn nothing but 401.
  const text = request.body?.text;
  if (typeof text !== 'string' || text.trim() === '' || text.length > 1000) {
    return reply
      .code(400)
      .send({ error: 'invalid_note', error_description: 'send {"text": "..."}, 1 to 1000 characters' });
  }
  const { sub, username, clientId } = request.gatehouse;
  const note = { id: crypto.randomUUID(), text, author: username ?? clientId, createdAt: new Date().toISOString() };
  notesBySubject.set(sub, [...(notesBySubject.get(sub) ?? []), note]);
  return reply.code(201).send(note);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0));
  });
}

await app.listen({ port, host });
app.log.info(
  `Notes API on http://${host}:${port}, trusting tokens from ${issuer}${clientId ? ' (opaque tokens by introspection)' : ' (JWT access tokens only)'}`,
);
