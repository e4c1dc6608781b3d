import { codeResponse } from './code.js';
import type { ResponseTypeHandler } from './response-type.js';
import { tokenResponse } from './token.js';

export type { ResponseMode, ResponseType, ResponseTypeHandler } from './response-type.js';

/** Every response_type the authorization endpoint answers, by name (metadata lists them in this order). */
export const RESPONSE_TYPES: ReadonlyMap<string, ResponseTypeHandler> = new Map(
  [codeResponse, tokenResponse].map((handler) => [handler.responseType, handler]),
);
