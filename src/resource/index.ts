/**
 * `gatehouse/resource`: protect your own API with access tokens from Gatehouse (or any
 * RFC 9068 / RFC 7662 authorization server). Documented in the README, "Protecting your API".
 */
export {
  createResourceServer,
  requireScope,
  requireAnyScope,
  scopeRole,
  DEFAULT_SCOPE_ROLES,
  type AccessInfo,
  type IntrospectionSettings,
  type ResolvedSettings,
  type ResourceServer,
  type ResourceServerOptions,
  type ScopeRoleNaming,
  type ScopeRule,
  type TokenFormat,
} from './resource-server.js';
export { BearerError, type BearerErrorCode } from './errors.js';
export type { BearerRequest, HeaderSource } from './bearer-token.js';
export type {
  ExpressMiddleware,
  ExpressRequestLike,
  ExpressResponseLike,
  FastifyPreHandler,
  NodeAccessHandler,
  NodeRequestListener,
} from './adapters.js';
