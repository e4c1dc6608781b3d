/**
 * RFC 8707 fixtures the resource-server tests share: a client registered for two resources, and
 * an access token it got for one of them.
 */
import { expect } from 'vitest';
import { tokenRequest } from '../helpers/server.js';
import type { CreatedClient, TestServer } from './index.js';

export const CALENDAR = 'https://calendar.example.com/';
export const CONTACTS = 'https://contacts.example.com/';

/** An access token (scope read) minted for CALENDAR by a client registered for CALENDAR and CONTACTS. */
export async function tokenForCalendar(gatehouse: TestServer): Promise<string> {
  const client = (await gatehouse.createClient([
    ...['--name', 'calendar-sync', '--grant-type', 'client_credentials'],
    ...['--resource', CALENDAR, '--resource', CONTACTS],
  ])) as CreatedClient & { client_secret: string };
  const res = await tokenRequest(
    gatehouse.url,
    { grant_type: 'client_credentials', scope: 'read', resource: CALENDAR },
    { basic: [client.client_id, client.client_secret] },
  );
  expect(res.status, res.text).toBe(200);
  return res.json.access_token as string;
}
