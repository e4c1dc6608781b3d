/**
 * The one way Gatehouse fetches a URL that a client or an issuer names (a client's jwks_uri, a
 * trusted issuer's key set): https only, no private, loopback or link-local targets after DNS
 * resolution, the connection made to the address that was checked (no second resolution for DNS
 * rebinding to slip into), no redirects, one time limit for the whole exchange and a size limit
 * enforced while the body streams in. Failures are OutboundFetchError, never a crash.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { bareHost, isPermittedAddress } from './addresses.js';

/** Why a fetch failed; the caller turns it into its own (OAuth) error. */
export type OutboundFailure =
  | 'bad_url'
  | 'forbidden_address'
  | 'unreachable'
  | 'redirect'
  | 'timeout'
  | 'too_large'
  | 'bad_status'
  | 'bad_json'
  | 'host_busy';

/**
 * A failed outbound fetch. The message names the host only: a URL's path and query, and the
 * response body, are never put in an error or a log line (they could carry secrets).
 */
export class OutboundFetchError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    /** The URL's host (and port), or '' when the URL could not be read. */
    readonly host: string,
    detail: string,
    /** Body bytes read before giving up (too_large): the fetch stops near the limit, whatever was sent. */
    readonly received = 0,
  ) {
    super(`${host || 'outbound fetch'}: ${detail}`);
    this.name = 'OutboundFetchError';
  }
}

/** Every address a host name resolves to (node:dns lookup by default). */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface GuardedFetchOptions {
  /** The whole fetch: DNS, connect, headers and body. */
  timeoutMs: number;
  /** Body bytes accepted at most; more is too_large, whatever Content-Length says. */
  maxBytes: number;
  /** Development: plain http and loopback addresses (127/8, ::1) may be fetched. */
  allowLoopback: boolean;
  resolve?: Resolver;
  /** Certificate authorities trusted instead of the system's (tests); certificates are always checked. */
  ca?: string;
}

/** A JSON document fetched, and how long its server says it may be kept. */
export interface FetchedJson {
  body: unknown;
  /** Body bytes. */
  bytes: number;
  /** Cache-Control max-age in seconds; 0 for no-store or no-cache; null when the response says nothing. */
  maxAge: number | null;
}

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

export class GuardedFetcher {
  private readonly resolve: Resolver;

  constructor(private readonly options: GuardedFetchOptions) {
    this.resolve = options.resolve ?? systemResolver;
  }

  /** GET `url`, expecting 200 and a JSON body. */
  async fetchJson(url: string): Promise<FetchedJson> {
    const target = this.checkUrl(url);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      const addresses = await this.permittedAddresses(target, controller.signal);
      return await this.get(target, addresses, controller.signal);
    } catch (error) {
      if (error instanceof OutboundFetchError) throw error;
      if (controller.signal.aborted) throw new OutboundFetchError('timeout', target.host, 'no complete answer in time');
      throw new OutboundFetchError('unreachable', target.host, (error as NodeJS.ErrnoException).code ?? 'failed');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * POST `fields` as application/x-www-form-urlencoded to `url` (Back-Channel Logout) and answer
   * the response's status; its body is not read. A redirect is a status like any other: never followed.
   */
  async postForm(url: string, fields: Record<string, string>): Promise<number> {
    const target = this.checkUrl(url);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      const addresses = await this.permittedAddresses(target, controller.signal);
      return await this.post(target, addresses, new URLSearchParams(fields).toString(), controller.signal);
    } catch (error) {
      if (error instanceof OutboundFetchError) throw error;
      if (controller.signal.aborted) throw new OutboundFetchError('timeout', target.host, 'no answer in time');
      throw new OutboundFetchError('unreachable', target.host, (error as NodeJS.ErrnoException).code ?? 'failed');
    } finally {
      clearTimeout(timer);
    }
  }

  private checkUrl(url: string): URL {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new OutboundFetchError('bad_url', '', 'not a URL');
    }
    const allowedProtocols = this.options.allowLoopback ? ['https:', 'http:'] : ['https:'];
    if (!allowedProtocols.includes(target.protocol)) {
      throw new OutboundFetchError('bad_url', target.host, `${target.protocol} URLs are not fetched (https only)`);
    }
    if (target.username || target.password) {
      throw new OutboundFetchError('bad_url', target.host, 'a URL with credentials is not fetched');
    }
    if (!target.hostname) throw new OutboundFetchError('bad_url', target.host, 'no host');
    return target;
  }

  /**
   * The addresses to connect to: the URL's IP literal (the URL parser has already turned 2130706433
   * and 0x7f.1 into 127.0.0.1), or what DNS answers. Every answer must be permitted, not just the
   * first: a host that also resolves to an internal address is refused.
   */
  private async permittedAddresses(target: URL, signal: AbortSignal): Promise<LookupAddress[]> {
    const host = bareHost(target.hostname);
    const family = isIP(host);
    const addresses = family !== 0 ? [{ address: host, family }] : await abortable(this.resolve(host), signal);
    if (addresses.length === 0) throw new OutboundFetchError('unreachable', target.host, 'no address');
    for (const { address } of addresses) {
      if (!isPermittedAddress(address, { allowLoopback: this.options.allowLoopback })) {
        throw new OutboundFetchError('forbidden_address', target.host, 'resolves to an address that is not fetched');
      }
    }
    return [...addresses];
  }

  private post(target: URL, pinned: LookupAddress[], body: string, signal: AbortSignal): Promise<number> {
    const client = target.protocol === 'https:' ? https : http;
    return new Promise<number>((resolve, reject) => {
      const request = client.request(
        {
          protocol: target.protocol,
          hostname: bareHost(target.hostname),
          port: target.port || undefined,
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'Gatehouse',
          },
          lookup: pinnedLookup(pinned),
          ...(this.options.ca ? { ca: this.options.ca } : {}),
          agent: false,
          signal,
        },
        (response) => {
          // Only the status matters: the body is never read, the connection closed at once.
          resolve(response.statusCode ?? 0);
          response.destroy();
          request.destroy();
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  private get(target: URL, pinned: LookupAddress[], signal: AbortSignal): Promise<FetchedJson> {
    const { maxBytes } = this.options;
    const host = target.host;
    const lookup = pinnedLookup(pinned);
    const client = target.protocol === 'https:' ? https : http;
    return new Promise<FetchedJson>((resolve, reject) => {
      const request = client.request(
        {
          protocol: target.protocol,
          hostname: bareHost(target.hostname),
          port: target.port || undefined,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          // Host header and TLS server name stay the URL's host name; only the address is pinned.
          headers: {
            accept: 'application/json, application/jwk-set+json',
            'accept-encoding': 'identity',
            'user-agent': 'Gatehouse',
          },
          lookup,
          ...(this.options.ca ? { ca: this.options.ca } : {}),
          agent: false,
          signal,
        },
        (response) => {
          const failure = responseProblem(response, host, maxBytes);
          if (failure) {
            response.destroy();
            request.destroy();
            reject(failure);
            return;
          }
          readBody(response, host, maxBytes).then((body) => {
            request.destroy();
            resolve(body);
          }, reject);
        },
      );
      request.on('error', reject);
      request.end();
    });
  }
}

/**
 * Node resolves the host name again unless told what it is: this lookup answers the checked
 * addresses only (all of them when Node asks for all, to try one after another: happy eyeballs).
 */
function pinnedLookup(pinned: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, all: LookupAddress[]) => void)(null, pinned);
    else callback(null, pinned[0]!.address, pinned[0]!.family);
  };
}

/** A response refused on its status and headers alone, before any of its body is read. */
function responseProblem(response: IncomingMessage, host: string, maxBytes: number): OutboundFetchError | null {
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400)
    return new OutboundFetchError('redirect', host, `answered ${status}: not followed`);
  if (status !== 200) return new OutboundFetchError('bad_status', host, `answered ${status}`);
  const mediaType = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    return new OutboundFetchError('bad_json', host, `answered ${mediaType || 'no Content-Type'}, not JSON`);
  }
  const encoding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') return new OutboundFetchError('bad_json', host, `answered ${encoding}-encoded`);
  const declared = Number(response.headers['content-length'] ?? 0);
  if (declared > maxBytes) return new OutboundFetchError('too_large', host, `declares ${declared} bytes`);
  return null;
}

/** The body, counted as it arrives: past maxBytes the connection is torn down (whatever Content-Length said). */
function readBody(response: IncomingMessage, host: string, maxBytes: number): Promise<FetchedJson> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        // Rejected first: tearing the connection down says "aborted" at once.
        reject(new OutboundFetchError('too_large', host, `more than ${maxBytes} bytes`, received));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on('error', reject);
    // Cut off mid-body (by the server, or by the time limit): fetchJson tells which.
    response.on('aborted', () => reject(new Error('connection closed mid-body')));
    response.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(new OutboundFetchError('bad_json', host, 'the body is not JSON'));
        return;
      }
      resolve({ body, bytes: received, maxAge: maxAgeOf(response.headers['cache-control']) });
    });
  });
}

/** max-age from Cache-Control (0 for no-store and no-cache), or null when it says neither. */
export function maxAgeOf(cacheControl: string | undefined): number | null {
  if (!cacheControl) return null;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((part) => part.trim());
  if (directives.some((directive) => directive === 'no-store' || directive === 'no-cache')) return 0;
  for (const directive of directives) {
    const match = /^max-age\s*=\s*"?(\d{1,10})"?$/.exec(directive);
    if (match) return Number(match[1]);
  }
  return null;
}

/** `promise`, or a rejection as soon as `signal` aborts (a DNS lookup cannot be cancelled, only abandoned). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
