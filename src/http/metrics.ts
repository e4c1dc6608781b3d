import { BlockList, isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SecurityEvent } from '../audit/events.js';
import { OAuthError } from '../core/errors.js';
import { AUTHORIZATION_ENDPOINT_GRANT_TYPES } from '../core/grants/registry.js';
import type { HttpServices } from './services.js';
import { sendOAuthError } from './errors.js';

/** Seconds; token requests take a few milliseconds, sign-ins (argon2id) a few hundred. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type RequestLabel = 'route' | 'method' | 'status' | 'grant_type';
type LatencyLabel = 'route' | 'method' | 'grant_type';

/** Addresses allowed to read /metrics (metrics.allow). */
function allowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

function isAllowed(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  if (list.check(ip, family === 6 ? 'ipv6' : 'ipv4')) return true;
  // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped !== null && list.check(mapped[1]!, 'ipv4');
}

/**
 * The process's own metrics (CPU, memory, event-loop lag, GC), collected once per process:
 * each collection installs observers that live as long as the process.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'gatehouse_' });
  }
  return processRegistry;
}

/**
 * Prometheus metrics: every request by route, method, status (and grant type on the token
 * endpoint), and the security events that matter to an operator. One registry per server, so
 * several servers in one process (tests) keep their own counts.
 */
export class GatehouseMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<RequestLabel>;
  private readonly latency: Histogram<LatencyLabel>;
  private readonly tokensIssued: Counter<'grant_type'>;
  private readonly tokensRevoked: Counter<'token_type'>;
  private readonly logins: Counter<'via'>;
  private readonly loginFailures: Counter<'via' | 'reason'>;
  private readonly reuseDetected: Counter<'credential'>;
  private readonly consents: Counter;
  private readonly auditDropped: Counter<'reason'>;

  /**
   * The grant label takes only the grant types the registry knows (built-in and extension), so a
   * client cannot create series at will: anything else is 'other'.
   */
  private readonly knownGrantTypes: ReadonlySet<string>;

  constructor(grantTypes: readonly string[]) {
    this.knownGrantTypes = new Set([...grantTypes, ...AUTHORIZATION_ENDPOINT_GRANT_TYPES]);
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'gatehouse_http_requests_total',
      help: 'HTTP requests answered, by route, method, status and (token endpoint) grant type',
      labelNames: ['route', 'method', 'status', 'grant_type'],
      registers,
    });
    this.latency = new Histogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'Time from request to response, by route, method and (token endpoint) grant type',
      labelNames: ['route', 'method', 'grant_type'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tokensIssued = new Counter({
      name: 'gatehouse_tokens_issued_total',
      help: 'Token responses sent, by grant type',
      labelNames: ['grant_type'],
      registers,
    });
    this.tokensRevoked = new Counter({
      name: 'gatehouse_tokens_revoked_total',
      help: 'Tokens revoked by their client (RFC 7009) or by their user on the account page (token_type=grant)',
      labelNames: ['token_type'],
      registers,
    });
    this.logins = new Counter({
      name: 'gatehouse_logins_total',
      help: 'Successful sign-ins, by where the password was typed',
      labelNames: ['via'],
      registers,
    });
    this.loginFailures = new Counter({
      name: 'gatehouse_login_failures_total',
      help: 'Failed sign-ins, by where and why (wrong_password, unknown_login, deactivated, unconfirmed, throttled)',
      labelNames: ['via', 'reason'],
      registers,
    });
    this.reuseDetected = new Counter({
      name: 'gatehouse_reuse_detected_total',
      help: 'Consumed refresh tokens or authorization codes presented again (their tokens are revoked)',
      labelNames: ['credential'],
      registers,
    });
    this.consents = new Counter({
      name: 'gatehouse_consents_granted_total',
      help: 'Consents given on the consent page',
      registers,
    });
    this.auditDropped = new Counter({
      name: 'gatehouse_audit_events_dropped_total',
      help: 'Security events not written to the audit log: reason=cap (failures from more sources in one window than audit.failure_rows), reason=queue_full (the database was unreachable too long)',
      labelNames: ['reason'],
      registers,
    });
    // Both series exist from the start, so an alert on their rate works before the first drop.
    for (const reason of ['cap', 'queue_full']) this.auditDropped.inc({ reason }, 0);
  }

  /** An AuditLog onDropped listener. */
  readonly auditEventsDropped = (reason: string, count: number): void => {
    this.auditDropped.inc({ reason }, count);
  };

  /** A SecurityEvents listener. */
  readonly record = (event: SecurityEvent): void => {
    switch (event.type) {
      case 'token.issued':
        this.tokensIssued.inc({ grant_type: this.grantLabel(event.details?.grant_type) });
        break;
      case 'token.revoked':
        this.tokensRevoked.inc({ token_type: event.details?.token_type ?? 'unknown' });
        break;
      case 'user.grant_revoked':
        this.tokensRevoked.inc({ token_type: 'grant' });
        break;
      case 'login.succeeded':
        this.logins.inc({ via: event.details?.via ?? 'unknown' });
        break;
      case 'login.failed':
        this.loginFailures.inc({ via: event.details?.via ?? 'unknown', reason: event.details?.reason ?? 'unknown' });
        break;
      case 'token.reuse_detected':
        this.reuseDetected.inc({ credential: 'refresh_token' });
        break;
      case 'code.reuse_detected':
        this.reuseDetected.inc({ credential: 'authorization_code' });
        break;
      case 'consent.granted':
        this.consents.inc();
        break;
      default:
        break;
    }
  };

  /**
   * The series of each (route, method, status, grant) seen so far. prom-client finds a series by
   * sorting and joining its labels on every call; one string key here is a fraction of that, on
   * every request. Bounded: routes are patterns, and Node's parser knows a fixed set of methods.
   */
  private readonly requestSeries = new Map<
    string,
    { count: Counter.Internal; latency: Histogram.Internal<LatencyLabel> }
  >();

  observeRequest(route: string, method: string, status: number, grantType: string | undefined, seconds: number): void {
    // The label, never the raw grant_type: a client chooses that, and could grow the map at will.
    const grant = this.grantLabel(grantType);
    const key = `${route} ${method} ${status} ${grant}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      series = {
        count: this.requests.labels({ route, method, status: String(status), grant_type: grant }),
        latency: this.latency.labels({ route, method, grant_type: grant }),
      };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }

  private grantLabel(grantType: string | undefined): string {
    return grantType === undefined ? '' : this.knownGrantTypes.has(grantType) ? grantType : 'other';
  }
}

/** The outgoing mail queue, read when /metrics is: its depth and the messages it dropped when full. */
function observeMailQueue(registry: Registry, gatehouse: Pick<HttpServices, 'mail'>): void {
  new Gauge({
    name: 'gatehouse_mail_queued',
    help: 'E-mails on their way to the mail server (at most mail.queue_limit)',
    registers: [registry],
    collect() {
      this.set(gatehouse.mail.queueState.queued);
    },
  });
  new Counter({
    name: 'gatehouse_mail_dropped_total',
    help: 'E-mails dropped because mail.queue_limit messages were already on their way',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(gatehouse.mail.queueState.dropped);
    },
  });
}

/** Wrong user codes typed on /device, read when /metrics is (an alert's input; they never block anyone globally). */
function observeUserCodeFailures(registry: Registry, gatehouse: Pick<HttpServices, 'deviceVerification'>): void {
  new Counter({
    name: 'gatehouse_device_user_code_failures_total',
    help: 'Wrong or expired user codes typed on the device verification page (RFC 8628), from every address',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(gatehouse.deviceVerification.failures);
    },
  });
}

/** GET /metrics (metrics.allow only) and the per-request observations. */
export function registerMetrics(
  app: FastifyInstance,
  gatehouse: Pick<HttpServices, 'auditLog' | 'config' | 'deviceVerification' | 'events' | 'mail' | 'tokenEndpoint'>,
): void {
  const { metrics: settings } = gatehouse.config;
  if (!settings.enabled) return;
  const metrics = new GatehouseMetrics(gatehouse.tokenEndpoint.grantTypes);
  observeMailQueue(metrics.registry, gatehouse);
  observeUserCodeFailures(metrics.registry, gatehouse);
  const unsubscribe = gatehouse.events.on(metrics.record);
  const unsubscribeDrops = gatehouse.auditLog?.onDropped(metrics.auditEventsDropped);
  app.addHook('onClose', async () => {
    unsubscribe();
    unsubscribeDrops?.();
  });
  const allowed = allowList(settings.allow);

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    // The route's pattern, never the raw URL: one series per route, whatever clients send.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(route, request.method, reply.statusCode, request.audit?.grantType, reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', async (request, reply) => {
    // Counts of sign-in failures and clients are not for everyone: others see no such page.
    if (!isAllowed(allowed, request.ip)) {
      request.audit.error = 'not_found';
      return sendOAuthError(reply, OAuthError.notFound());
    }
    const merged = Registry.merge([processMetrics(), metrics.registry]);
    const body = await merged.metrics();
    return reply.header('content-type', merged.contentType).header('cache-control', 'no-store').send(body);
  });
}
