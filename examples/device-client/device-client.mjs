#!/usr/bin/env node
// A tiny device-flow client (RFC 8628), plain Node 20 fetch and nothing else: it asks Gatehouse
// for a code, tells you where to enter it, polls the token endpoint (honouring `interval` and
// `slow_down`) and prints the tokens.
//
//   node examples/device-client/device-client.mjs ISSUER CLIENT_ID [SCOPE]
//   node examples/device-client/device-client.mjs http://127.0.0.1:8080 6f1c…  "read"
//
// The client must be registered for the grant, e.g.
//   npx gatehouse client create --public --grant-type urn:ietf:params:oauth:grant-type:device_code --grant-type refresh_token

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const [issuer, clientId, scope] = process.argv.slice(2);
if (!issuer || !clientId) {
  console.error('usage: node device-client.mjs ISSUER CLIENT_ID [SCOPE]');
  process.exit(2);
}

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

async function postForm(url, params) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: await response.json() };
}

// RFC 8414 discovery: where to ask for a code, where to poll.
const metadataResponse = await fetch(new URL('/.well-known/oauth-authorization-server', issuer));
if (!metadataResponse.ok) throw new Error(`discovery failed: HTTP ${metadataResponse.status}`);
const metadata = await metadataResponse.json();

// RFC 8628 §3.1: ask for a device code and a user code.
const started = await postForm(metadata.device_authorization_endpoint, {
  client_id: clientId,
  ...(scope ? { scope } : {}),
});
if (started.status !== 200) {
  console.error(`device authorization refused: ${started.body.error} (${started.body.error_description})`);
  process.exit(1);
}
const { device_code, user_code, verification_uri, verification_uri_complete, expires_in } = started.body;
let interval = started.body.interval ?? 5;
console.log(`Go to ${verification_uri} and enter ${user_code}`);
console.log(`(or open ${verification_uri_complete})`);

// RFC 8628 §3.4–3.5: poll until the user answers or the code expires.
const deadline = Date.now() + expires_in * 1000;
while (Date.now() < deadline) {
  await sleep(interval);
  const { status, body } = await postForm(metadata.token_endpoint, {
    grant_type: DEVICE_CODE_GRANT,
    device_code,
    client_id: clientId,
  });
  if (status === 200) {
    console.log('Tokens:');
    console.log(JSON.stringify(body, null, 2));
    process.exit(0);
  }
  if (body.error === 'authorization_pending') continue;
  if (body.error === 'slow_down') {
    interval += 5;
    continue;
  }
  console.error(`no tokens: ${body.error} (${body.error_description})`);
  process.exit(1);
}
console.error('no tokens: the code expired before it was entered');
process.exit(1);
