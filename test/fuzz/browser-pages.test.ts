/**
 * Fuzzing the pages a person's browser uses, in process: the authorization endpoint (GET, and
 * POST from the consent form), sign-in and sign-out, sign-up and confirmation, password reset
 * and the account page. Requests are real page visits and form posts (with live sessions and
 * valid CSRF tokens) with random mutations. Every answer must be an HTML page (200 only to GET,
 * errors as 4xx pages with the security headers, no input reflected as markup) or a redirect: a
 * 302 after GET and 303 after POST, to a page of this server, or from the authorization
 * endpoint only to a redirect URI the client registered, carrying iss and the exact state, and
 * a code or token only for a signed-in user (and from the form, only for a valid Allow).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createFixture, type Fixture } from './support/fixture.js';
import { checkPageAnswer } from './support/invariants.js';
import { exchange, Tally } from './support/run.js';
import { returnToValue, type Param } from './support/arbitraries.js';
import {
  ACCOUNT_PAGE_BASELINES,
  applyMutations,
  AUTHORIZE_BASELINES,
  mutatedRequest,
  mutationsOf,
  type Baseline,
} from './support/scenarios.js';
import { announceSeed, assertProperty, testTimeout } from './support/settings.js';

let fixture: Fixture;

beforeAll(async () => {
  announceSeed('browser-pages');
  fixture = await createFixture();
});
afterAll(async () => {
  await fixture?.close();
});

/** The baselines as mutated requests, or (`returnTo`) with a random return_to first. */
function requests(baselines: Baseline[], returnTo: boolean) {
  if (!returnTo) return mutatedRequest(baselines);
  return fc
    .constantFrom(...baselines)
    .chain((baseline) =>
      fc.tuple(
        fc.constant(baseline),
        returnToValue,
        // Mostly unmutated: the return_to is the point, and most mutations end the flow early.
        fc.oneof(
          { weight: 2, arbitrary: fc.constant([]) },
          { weight: 1, arbitrary: mutationsOf(baseline.params.map(([n]) => n)) },
        ),
        fc.ipV4(),
      ),
    )
    .map(([baseline, value, list, address]) => {
      const params = baseline.params.map(([n, v]): Param => [n, n === 'return_to' ? value : v]);
      return { baseline: baseline.name, spec: applyMutations({ ...baseline, params }, list, address) };
    });
}

function pageProperty(
  name: string,
  baselines: Baseline[],
  weight: number,
  { perRunUser = false, returnTo = false } = {},
): void {
  it(
    name,
    async () => {
      const tally = new Tally(name);
      await assertProperty(
        fc.asyncProperty(requests(baselines, returnTo), async ({ baseline, spec }) => {
          tally.add(baseline);
          // Forms that change the account (password, profile) act on a user of their own.
          const userId = perRunUser && spec.path.startsWith('/account') ? (await fixture.newUser()).id : undefined;
          await exchange(fixture, spec, (sent, res) => checkPageAnswer(fixture, sent, res), tally, { userId });
        }),
        weight,
      );
      tally.report();
      await fixture.assertHealthy();
      tally.findings.assertNone();
    },
    testTimeout(weight),
  );
}

describe('fuzz: browser pages (in process)', () => {
  pageProperty('authorization endpoint: GET requests and consent form posts', AUTHORIZE_BASELINES, 2);
  pageProperty('sign-in, sign-out, sign-up, reset and account forms', ACCOUNT_PAGE_BASELINES, 2, { perRunUser: true });
  pageProperty(
    'return_to after signing in, signing out and on the sign-in page: redirects stay on this server',
    ACCOUNT_PAGE_BASELINES.filter((b) => b.params.some(([name]) => name === 'return_to')),
    1.5,
    { returnTo: true },
  );
});
