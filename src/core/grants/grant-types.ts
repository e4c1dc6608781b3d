/** Every grant type a client can be registered for. */
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'password', 'client_credentials', 'implicit'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];
