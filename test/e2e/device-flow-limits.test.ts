/**
 * What bounds the device flow (RFC 8628 §5.1, §5.2) on both engines: the pending device codes of
 * one client, the device authorization requests of one address, and wrong user codes on the
 * /device page per browser and per address. A global rate of wrong codes only raises an alert (a
 * warning and a metric): another address is never held back. Addresses come from X-Forwarded-For
 * (the harness's 127.0.0.1 is a trusted proxy here).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alertOf, HttpBrowser } from '../helpers/browser-http.js';
import { describeEachEngine } from '../helpers/databases.js';
import {
  DEVICE_CODE_GRANT,
  deviceAuthorizationRequest,
  enterUserCode,
  startDeviceAuthorization,
} from '../helpers/device-flow.js';
import { httpRequest } from '../helpers/server.js';
import { startTestServer, type CreatedClient, type TestServer } from '../harness/index.js';
import { expectError } from '../harness/token-responses.js';

describeEachEngine('device flow limits (e2e)', (factory) => {
  let server: TestServer;
  /** A client of its own for each use: the cap (3 pending codes) is per client. */
  const newClient = (): Promise<CreatedClient> => server.createClient(['--public', '--grant-type', DEVICE_CODE_GRANT]);

  beforeAll(async () => {
    server = await startTestServer({
      engine: factory.engine,
      env: { GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1', GATEHOUSE_LOGIN_THROTTLE_THRESHOLD: '2' },
      config: {
        device_flow: {
          expires_in: 600,
          interval: 5,
          max_pending_per_client: 3,
          requests_per_address: 4,
          user_code_failure_alert: 6,
        },
      },
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('caps the pending device codes of one client (429 slow_down, Retry-After until the oldest expires); others are not held back', async () => {
    const [tv, radio] = await Promise.all([newClient(), newClient()]);
    for (const [i, address] of ['192.0.2.1', '192.0.2.2', '192.0.2.3'].entries()) {
      const res = await deviceAuthorizationRequest(server.url, { client_id: tv.client_id }, { headers: from(address) });
      expect(res.status, `request ${i + 1}: ${res.text}`).toBe(200);
    }
    const capped = await deviceAuthorizationRequest(
      server.url,
      { client_id: tv.client_id },
      { headers: from('192.0.2.4') },
    );
    expect(capped.status).toBe(429);
    expect(capped.json.error).toBe('slow_down');
    expect(capped.headers.get('retry-after')).toBe('600');
    expect(capped.headers.get('cache-control')).toBe('no-store');
    const other = await deviceAuthorizationRequest(
      server.url,
      { client_id: radio.client_id },
      { headers: from('192.0.2.4') },
    );
    expect(other.status, other.text).toBe(200);
    // Once they have expired there is room again.
    server.clock.advance(600);
    const later = await deviceAuthorizationRequest(
      server.url,
      { client_id: tv.client_id },
      { headers: from('192.0.2.5') },
    );
    expect(later.status, later.text).toBe(200);
  });

  it('counts the requests of one address (429 slow_down with Retry-After), whatever they were; another address goes on', async () => {
    const radio = await newClient();
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof deviceAuthorizationRequest>> | undefined;
    for (let i = 0; i < 6; i++) {
      // Unknown clients count too: this endpoint writes for whoever names a public client.
      const params = { client_id: i % 2 === 0 ? radio.client_id : 'nobody' };
      const res = await deviceAuthorizationRequest(server.url, params, { headers: from('198.51.100.9') });
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    expect(statuses.slice(0, 5)).toEqual([200, 401, 200, 401, 200]);
    expect(statuses[5]).toBe(429);
    expectError(refused!, 429, 'slow_down');
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const elsewhere = await deviceAuthorizationRequest(
      server.url,
      { client_id: (await newClient()).client_id },
      { headers: from('198.51.100.10') },
    );
    expect(elsewhere.status, elsewhere.text).toBe(200);
  });

  it('throttles wrong user codes per browser: the third wrong one blocks that browser, not another one at the same address', async () => {
    const browser = new HttpBrowser(server.url);
    const address = from('203.0.113.1');
    for (let i = 0; i < 3; i++) expect((await enterUserCode(browser, 'BBBB-BBBB', address)).status).toBe(400);
    const blocked = await enterUserCode(browser, 'BBBB-BBBB', address);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(alertOf(blocked.text)).toMatch(/Too many wrong codes/);
    // Even a right code waits in that browser…
    const device = await startDeviceAuthorization(server.url, (await newClient()).client_id);
    expect((await enterUserCode(browser, device.user_code, address)).status).toBe(429);
    // …while another browser at the same address is fine.
    expect((await enterUserCode(new HttpBrowser(server.url), device.user_code, address)).status).toBe(303);
  });

  it('throttles wrong user codes per address across fresh browsers; the global count alerts but blocks no other address', async () => {
    const metric = async () => {
      const metrics = await httpRequest(`${server.url}/metrics`);
      return Number(/^gatehouse_device_user_code_failures_total (\d+)$/m.exec(metrics.text)?.[1]);
    };
    const before = await metric();
    const address = from('203.0.113.50');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await enterUserCode(new HttpBrowser(server.url), 'CCCC-CCCC', address)).status);
    }
    // Address threshold 4 × 2: the ninth failure blocks the address.
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill(400));
    expect(statuses.slice(9)).toEqual([429, 429]);
    expect(await metric()).toBe(before + 9);
    expect(server.logs()).toMatch(/many wrong device user codes/);
    // Global failures never block: another address gets its answer (wrong, then right).
    const other = from('203.0.113.77');
    expect((await enterUserCode(new HttpBrowser(server.url), 'DDDD-DDDD', other)).status).toBe(400);
    const device = await startDeviceAuthorization(server.url, (await newClient()).client_id);
    expect((await enterUserCode(new HttpBrowser(server.url), device.user_code, other)).status).toBe(303);
    expect(await metric()).toBe(before + 10);
  });
  it('counts right codes per address too: a flood of them cannot fill the table of pending sign-ins', async () => {
    const device = await startDeviceAuthorization(server.url, (await newClient()).client_id);
    const address = from('203.0.113.90');
    const statuses: number[] = [];
    // Fresh browsers each time, the same right code: each one would store a pending sign-in.
    for (let i = 0; i < 23; i++) {
      statuses.push((await enterUserCode(new HttpBrowser(server.url), device.user_code, address)).status);
    }
    // Threshold 2 × 10: the entry after the 21st from the address waits.
    expect(statuses.slice(0, 21)).toEqual(Array(21).fill(303));
    expect(statuses.slice(21)).toEqual([429, 429]);
    // Another address types the same code at once.
    expect((await enterUserCode(new HttpBrowser(server.url), device.user_code, from('203.0.113.91'))).status).toBe(303);
  });
});
