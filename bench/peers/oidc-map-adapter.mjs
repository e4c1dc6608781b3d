// An in-memory adapter for oidc-provider that keeps everything until it expires: used only for
// the authorization_code scenario. oidc-provider's default in-memory adapter is an LRU of about
// 1000 entries (lib/adapters/memory_adapter.js), so codes minted before a run would be evicted
// long before wrk presents them. This implements the adapter interface the oidc-provider docs
// describe (upsert, find, findByUid, findByUserCode, consume, destroy, revokeByGrantId) with
// plain Maps: one entry per artifact, a secondary index per session uid and user code, and a set
// of artifact keys per grant id for revokeByGrantId.
const entries = new Map(); // "Model:id" → { payload, expiresAt (ms, or Infinity) }
const byUid = new Map();
const byUserCode = new Map();
const byGrant = new Map(); // grantId → Set of "Model:id"

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

function read(key) {
  const entry = entries.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt <= Date.now()) {
    entries.delete(key);
    return undefined;
  }
  return entry.payload;
}

export class MapAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    entries.set(key, { payload, expiresAt });
    if (this.model === 'Session' && payload.uid) byUid.set(payload.uid, id);
    if (payload.userCode) byUserCode.set(payload.userCode, id);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      let members = byGrant.get(payload.grantId);
      if (!members) {
        members = new Set();
        byGrant.set(payload.grantId, members);
      }
      members.add(key);
    }
  }

  async find(id) {
    return read(this.key(id));
  }

  async findByUid(uid) {
    const id = byUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = byUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const payload = read(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    const key = this.key(id);
    const payload = read(key);
    entries.delete(key);
    if (payload?.grantId) byGrant.get(payload.grantId)?.delete(key);
    if (payload?.uid) byUid.delete(payload.uid);
    if (payload?.userCode) byUserCode.delete(payload.userCode);
  }

  async revokeByGrantId(grantId) {
    for (const key of byGrant.get(grantId) ?? []) entries.delete(key);
    byGrant.delete(grantId);
  }
}
