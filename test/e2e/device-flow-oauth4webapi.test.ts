/**
 * The device flow (RFC 8628) from outside, with oauth4webapi as a device would use it: discovery,
 * deviceAuthorizationRequest + processDeviceAuthorizationResponse, then deviceCodeGrantRequest +
 * processDeviceCodeResponse while a person approves through the /device page (over HTTP). Both engines.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/databases.js';
import { answerDevice, DEVICE_CODE_GRANT, USER_CODE } from '../helpers/device-flow.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';

const PASSWORD = 'correct horse battery staple';
const options = { [oauth.allowInsecureRequests]: true };

describeEachEngine('device flow with oauth4webapi (e2e)', (factory) => {
  let server: TestServer;
  let publicTv: CreatedClient;
  let confidential: CreatedClient & { client_secret: string };
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    server = await startTestServer({ engine: factory.engine, env: { GATEHOUSE_SUPPORTED_SCOPES: 'read write' } });
    publicTv = await server.createClient([
      '--public',
      '--name',
      'Kitchen TV',
      '--grant-type',
      DEVICE_CODE_GRANT,
      '--grant-type',
      'refresh_token',
    ]);
    confidential = (await server.createClient(['--grant-type', DEVICE_CODE_GRANT])) as never;
    await server.createUser('kim', 'kim@example.com', PASSWORD);
    const issuer = new URL(server.config.issuer);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }),
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  /** What processDeviceCodeResponse throws for an RFC 8628 §3.5 error answer. */
  async function pollError(client: oauth.Client, auth: oauth.ClientAuth, deviceCode: string) {
    const response = await oauth.deviceCodeGrantRequest(as, client, auth, deviceCode, options);
    const error = await oauth.processDeviceCodeResponse(as, client, response).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    return (error as oauth.ResponseBodyError).error;
  }

  it('discovery names the device authorization endpoint', () => {
    expect(as.device_authorization_endpoint).toBe(`${server.config.issuer}/oauth/device_authorization`);
    expect(as.grant_types_supported).toContain(DEVICE_CODE_GRANT);
  });

  it('a public client: authorization_pending, then approved through the page, then tokens and a refresh token', async () => {
    const client: oauth.Client = { client_id: publicTv.client_id };
    const auth = oauth.None();
    const started = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, auth, { scope: 'read' }, options),
    );
    expect(started.user_code).toMatch(USER_CODE);
    expect(started.verification_uri).toBe(`${server.config.issuer}/device`);
    expect(started.expires_in).toBe(600);
    expect(started.interval).toBe(5);

    expect(await pollError(client, auth, started.device_code)).toBe('authorization_pending');
    const { answer } = await answerDevice(
      server.url,
      started.user_code,
      { username: 'kim', password: PASSWORD },
      'allow',
    );
    expect(answer.status).toBe(200);
    server.clock.advance(started.interval!);

    const tokens = await oauth.processDeviceCodeResponse(
      as,
      client,
      await oauth.deviceCodeGrantRequest(as, client, auth, started.device_code, options),
    );
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'read' });
    expect(typeof tokens.access_token).toBe('string');
    expect(typeof tokens.refresh_token).toBe('string');
  });

  it('a confidential client with client_secret_basic: slow_down when too quick, access_denied once denied', async () => {
    const client: oauth.Client = { client_id: confidential.client_id };
    const auth = oauth.ClientSecretBasic(confidential.client_secret);
    const started = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, auth, {}, options),
    );
    expect(await pollError(client, auth, started.device_code)).toBe('authorization_pending');
    expect(await pollError(client, auth, started.device_code)).toBe('slow_down');
    await answerDevice(server.url, started.user_code, { username: 'kim', password: PASSWORD }, 'deny');
    expect(await pollError(client, auth, started.device_code)).toBe('access_denied');
  });
});
