import type { SignInContext, SignInResult } from '../accounts/authenticate.js';
import type { Profile } from '../accounts/profile.js';
import type { DeviceVerification } from '../accounts/device-verification.js';
import type { PendingAuthorizations } from '../accounts/pending-authorizations.js';
import type { Registration } from '../accounts/registration.js';
import type { PasswordResetting } from '../accounts/resetting.js';
import type { AccountMail } from '../accounts/self-service.js';
import type { Sessions } from '../accounts/sessions.js';
import type { LogoutRequests } from '../accounts/logout-requests.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SecurityEvents } from '../audit/events.js';
import type { GatehouseConfig } from '../config/schema.js';
import type { AuthorizationEndpoint } from '../core/authorize.js';
import type { ClientRegistrationEndpoint } from '../core/client-registration/endpoint.js';
import type { DeviceAuthorizationEndpoint } from '../core/device-authorization.js';
import type { IntrospectionEndpoint } from '../core/introspection.js';
import type { KeyRing } from '../core/keys.js';
import type { IdTokenSigner } from '../core/oidc/id-tokens.js';
import type { Subjects } from '../core/oidc/subjects.js';
import type { UserinfoEndpoint } from '../core/oidc/userinfo.js';
import type { ServerMetadata } from '../core/metadata.js';
import type { RevocationEndpoint } from '../core/revocation.js';
import type { TokenEndpoint } from '../core/token-endpoint.js';
import type { Store } from '../storage/store.js';

/**
 * What the HTTP edge is handed by the composition root (src/start.ts). Declared here, on the side
 * that uses it, so http/ never imports the composition; each route group takes only its part
 * (`Pick<HttpServices, …>`), which says in its signature what the routes can reach.
 */
export interface HttpServices {
  readonly config: GatehouseConfig;
  readonly metadata: ServerMetadata;
  /** /healthz pings it; the sign-in page names the client a pending request is for; CORS asks about origins. */
  readonly store: Pick<Store, 'ping' | 'engine' | 'findClient' | 'originRegistered'>;
  /** The JWT signing keys, published at /.well-known/jwks.json; null without key_encryption_key. */
  readonly keys: Pick<KeyRing, 'publishedKeys'> | null;
  /** OpenID Connect: the `sub` each client sees for a user. */
  readonly subjects: Subjects;
  /** Signs ID tokens, signed userinfo and logout tokens; null only without key_encryption_key. */
  readonly idTokens: IdTokenSigner | null;
  readonly tokenEndpoint: TokenEndpoint;
  readonly authorizationEndpoint: AuthorizationEndpoint;
  readonly revocationEndpoint: RevocationEndpoint;
  readonly introspectionEndpoint: IntrospectionEndpoint;
  /** OpenID Connect Core §5.3: GET and POST /oauth/userinfo. */
  readonly userinfo: UserinfoEndpoint;
  /** RFC 8628: POST /oauth/device_authorization, and the /device page's user codes and answers. */
  readonly deviceAuthorizationEndpoint: DeviceAuthorizationEndpoint;
  readonly deviceVerification: DeviceVerification;
  readonly sessions: Sessions;
  /** RP-Initiated Logout: end-session requests awaiting the confirmation page. */
  readonly logoutRequests: LogoutRequests;
  readonly pendingAuthorizations: PendingAuthorizations;
  /** RFC 7591/7592 at /oauth/register; null when client_registration.mode is off. */
  readonly clientRegistration: ClientRegistrationEndpoint | null;
  /** User sign-up at /register. */
  readonly registration: Registration;
  readonly resetting: PasswordResetting;
  readonly profile: Profile;
  /** The sign-in form's password check: throttled, device cookies honoured, announced. */
  readonly signIn: (login: string, password: string, address: string, context?: SignInContext) => Promise<SignInResult>;
  /** The metrics read its queue. */
  readonly mail: Pick<AccountMail, 'queueState'>;
  /** The metrics count the security events. */
  readonly events: Pick<SecurityEvents, 'on'>;
  readonly auditLog: Pick<AuditLog, 'onDropped'> | null;
}
