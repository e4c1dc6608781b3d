/**
 * Which IP addresses an outbound fetch may connect to: public unicast only. A URL a client or an
 * issuer names must not reach the server's own network (metadata services at 169.254.169.254,
 * databases on 10/8, admin ports on loopback): the address is checked after DNS resolution, and
 * the connection goes to the address that was checked.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ipv6Groups } from '../core/addresses.js';

/** What an address is: only `public` is fetched from, and `loopback` when outbound loopback is allowed. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'not_an_address';

interface Range {
  readonly bytes: readonly number[];
  readonly prefix: number;
  readonly kind: Exclude<AddressClass, 'public' | 'not_an_address'>;
}

const range = (cidr: string, kind: Range['kind']): Range => {
  const [address = '', prefix = ''] = cidr.split('/');
  return { bytes: addressBytes(address)!, prefix: Number(prefix), kind };
};

/** IANA's IPv4 special-purpose registry, the ranges not globally reachable (RFC 6890 and after). */
const IPV4_RANGES: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'private'), // shared address space, carrier-grade NAT (RFC 6598)
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link_local'), // cloud metadata services live here
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'), // IETF protocol assignments
  range('192.0.2.0/24', 'reserved'), // documentation
  range('192.88.99.0/24', 'reserved'), // 6to4 relay anycast (deprecated)
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'reserved'), // benchmarking
  range('198.51.100.0/24', 'reserved'), // documentation
  range('203.0.113.0/24', 'reserved'), // documentation
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'), // future use, and 255.255.255.255
];

/** IPv6 ranges that carry an IPv4 address: that address decides (RFC 4291 §2.5.5.2, RFC 6052, RFC 3056). */
const IPV4_MAPPED = range('::ffff:0:0/96', 'reserved');
const NAT64 = range('64:ff9b::/96', 'reserved');
const SIX_TO_FOUR = range('2002::/16', 'reserved');

const IPV6_RANGES: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('64:ff9b:1::/48', 'private'), // local-use NAT64 (RFC 8215)
  range('::/8', 'reserved'), // the rest of ::/8: IPv4-compatible (deprecated) and unassigned
  range('100::/64', 'reserved'), // discard-only
  range('2001:db8::/32', 'reserved'), // documentation
  range('2001::/23', 'reserved'), // IETF protocol assignments: Teredo, ORCHID, benchmarking
  range('3fff::/20', 'reserved'), // documentation (RFC 9637)
  range('fc00::/7', 'private'), // unique local
  range('fe80::/10', 'link_local'),
  range('fec0::/10', 'reserved'), // site-local (deprecated)
  range('ff00::/8', 'multicast'),
];

/** Only global unicast is handed out in IPv6 today: anything outside 2000::/3 is not on the Internet. */
const GLOBAL_UNICAST = range('2000::/3', 'reserved');

/**
 * What `address` is: an IPv4 or IPv6 literal (brackets and a zone allowed), as DNS answers or a
 * URL's host name give it. An IPv4-mapped (::ffff:127.0.0.1), NAT64 or 6to4 address is what its
 * IPv4 address is. Anything that is not an IP literal is `not_an_address`.
 */
export function addressClass(address: string): AddressClass {
  const bytes = addressBytes(address);
  if (!bytes) return 'not_an_address';
  if (bytes.length === 4) return classify(bytes, IPV4_RANGES);
  for (const [carrier, offset] of [
    [IPV4_MAPPED, 12],
    [NAT64, 12],
    [SIX_TO_FOUR, 2],
  ] as const) {
    if (inRange(bytes, carrier)) return classify(bytes.slice(offset, offset + 4), IPV4_RANGES);
  }
  const special = classify(bytes, IPV6_RANGES);
  if (special !== 'public') return special;
  return inRange(bytes, GLOBAL_UNICAST) ? 'public' : 'reserved';
}

/** May an outbound fetch connect to `address`? Public addresses always; loopback only when allowed. */
export function isPermittedAddress(address: string, options: { allowLoopback: boolean }): boolean {
  const kind = addressClass(address);
  return kind === 'public' || (kind === 'loopback' && options.allowLoopback);
}

/** The host name of a URL without the brackets of an IPv6 literal. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function classify(bytes: readonly number[], ranges: readonly Range[]): AddressClass {
  return ranges.find((candidate) => inRange(bytes, candidate))?.kind ?? 'public';
}

function inRange(bytes: readonly number[], candidate: Range): boolean {
  if (bytes.length !== candidate.bytes.length) return false;
  let bits = candidate.prefix;
  for (let index = 0; bits > 0; index++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[index]! & mask) !== (candidate.bytes[index]! & mask)) return false;
  }
  return true;
}

/** 4 bytes for an IPv4 literal, 16 for an IPv6 one, null for anything else. */
function addressBytes(address: string): number[] | null {
  const plain = bareHost(address).replace(/%.*$/, '');
  if (isIPv4(plain)) return plain.split('.').map(Number);
  if (!isIPv6(plain)) return null;
  return ipv6Groups(plain.toLowerCase()).flatMap((group) => [group >> 8, group & 0xff]);
}
