/**
 * A web application that signs its users in with Gatehouse: Express with express-openid-connect
 * (Auth0's OpenID Connect middleware, which works with any OpenID Provider). Gatehouse is found by
 * discovery at GATEHOUSE_URL/.well-known/openid-configuration; the app is a confidential client
 * using the authorization code flow with PKCE, and signs out at Gatehouse too (RP-initiated logout).
 *
 *   GATEHOUSE_URL=http://127.0.0.1:8080 CLIENT_ID=… CLIENT_SECRET=… node examples/express-oidc-app/server.mjs
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import { auth } from 'express-openid-connect';

const required = (name) => {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`express-oidc-app: set ${name} (see examples/express-oidc-app/README.md)\n`);
    process.exit(2);
  }
  return value;
};

const port = Number(process.env.PORT ?? 3000);
const baseURL = process.env.BASE_URL ?? `http://localhost:${port}`;

const app = express();
app.use(
  auth({
    issuerBaseURL: required('GATEHOUSE_URL'),
    baseURL,
    clientID: required('CLIENT_ID'),
    clientSecret: required('CLIENT_SECRET'),
    // Encrypts the app's own session cookie; a random one signs everybody out at each restart.
    secret: process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
    // Pages are public; /login and /logout are the middleware's.
    authRequired: false,
    // Signing out of the app signs out of Gatehouse too (its end_session_endpoint).
    idpLogout: true,
    authorizationParams: { response_type: 'code', scope: 'openid profile email' },
  }),
);

const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

app.get('/', (req, res) => {
  const user = req.oidc.user;
  res
    .type('html')
    .send(
      user
        ? `<!doctype html><title>Express app</title><h1>Signed in as <span id="email">${escapeHtml(user.email)}</span></h1>` +
            `<p>Gatehouse says your username is ${escapeHtml(user.preferred_username ?? '')}.</p>` +
            '<p><a href="/logout">Sign out</a></p>'
        : '<!doctype html><title>Express app</title><h1>Not signed in</h1><p><a href="/login">Sign in with Gatehouse</a></p>',
    );
});

const server = app.listen(port, () => process.stdout.write(`express-oidc-app listening on ${baseURL}\n`));
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close(() => process.exit(0)));
