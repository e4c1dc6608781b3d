/**
 * Everything core needs from the outside world, as narrow interfaces the layers above implement:
 * the records and storage (storage/), each grant's storage, "authenticate a resource owner"
 * (accounts/), "record a security event" (audit/), the client-authentication throttle and the key
 * sets clients publish (outbound/; its RemoteKeySetError is a value: import it from ./ports/remote-keys.js).
 * The clock and id source are in ./clock.ts. Nothing under src/core imports outside src/core.
 */
export type * from './ports/records.js';
export type * from './ports/storage.js';
export type * from './ports/grant-storage.js';
export type * from './ports/events.js';
export type * from './ports/resource-owner.js';
export type * from './ports/throttle.js';
export type * from './ports/remote-keys.js';
export type * from './ports/remote-documents.js';
export type * from './ports/client-registrations.js';
