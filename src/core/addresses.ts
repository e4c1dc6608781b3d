/**
 * One network as one key: what brute-force counters, pending sign-in limits and counted audit
 * rows are all keyed on, so they name a network the same way.
 */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key of an address: an IPv4 address whole; an IPv4-mapped IPv6 address as the
 * IPv4 address; any other IPv6 address as its /64, which one subscriber usually gets whole
 * (RFC 6177), so a guesser cannot get 2^64 fresh counters. Anything else (a test's "unknown")
 * is kept as given, cut short.
 */
export function addressKey(address: string): string {
  const plain = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zoneless = plain.replace(/%.*$/, '');
  if (isIPv4(zoneless)) return zoneless;
  if (!isIPv6(zoneless)) return address.slice(0, 64);
  const groups = ipv6Groups(zoneless.toLowerCase());
  // ::ffff:a.b.c.d (and the older ::a.b.c.d is not used by Node): the IPv4 client behind a dual-stack socket.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${compress(groups.slice(0, 4))}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (with :: and a dotted IPv4 tail expanded). */
export function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - front.length - back.length).fill(0);
  return [...front, ...zeros, ...back];
}

/** The first four groups, with trailing zero groups left to the "::" that follows. */
function compress(groups: number[]): string {
  let end = groups.length;
  while (end > 0 && groups[end - 1] === 0) end--;
  return (
    groups
      .slice(0, end)
      .map((group) => group.toString(16))
      .join(':') || '0'
  );
}
