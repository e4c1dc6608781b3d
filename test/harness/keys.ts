/**
 * `gatehouse keys rotate [--now]` and `gatehouse keys list`, in-process: a KeyRing of its own, as
 * the CLI builds one in its own process (so a running server's cached key is untouched), on the
 * server's store, settings and clock.
 */
import { KeyEncryption } from '../../src/core/key-encryption.js';
import { KeyRing, type KeyState } from '../../src/core/keys.js';
import type { TestServer } from './index.js';

function adminKeyRing(fx: TestServer): KeyRing {
  const { config } = fx;
  const encryption = config.key_encryption_key ? new KeyEncryption(config.key_encryption_key) : null;
  return new KeyRing(fx.store, fx.clock, encryption, {
    algorithm: config.jwt_signing_algorithm,
    maxTokenLifetime: config.access_token_lifetime,
  });
}

/** `gatehouse keys rotate [--now] --json`: the new key's kid and state, and the same audit event. */
export async function rotateSigningKey(
  fx: TestServer,
  { now = false }: { now?: boolean } = {},
): Promise<{ kid: string; state: KeyState }> {
  const ring = adminKeyRing(fx);
  const created = await ring.rotate({ immediately: now });
  fx.gatehouse.events.emit({
    type: 'key.rotated',
    at: fx.clock.now(),
    actor: 'admin',
    details: { kid: created.kid, algorithm: created.algorithm, immediately: String(now) },
  });
  const listed = (await ring.list()).find((key) => key.kid === created.kid)!;
  return { kid: listed.kid, state: listed.state };
}

/** `gatehouse keys list --json`, as kid → state. */
export async function signingKeyStates(fx: TestServer): Promise<Record<string, KeyState>> {
  return Object.fromEntries((await adminKeyRing(fx).list()).map((key) => [key.kid, key.state]));
}
