import { describe, expect, it } from 'vitest';
import { addressClass, isPermittedAddress } from './addresses.js';

const strict = { allowLoopback: false };
const development = { allowLoopback: true };

describe('which addresses an outbound fetch may reach', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.254', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link_local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'], // Teredo
    ['100::1', 'reserved'],
    ['::7f00:1', 'reserved'], // IPv4-compatible, deprecated
    ['64:ff9b:1::a00:1', 'private'],
  ])('%s is %s', (address, kind) => {
    expect(addressClass(address)).toBe(kind);
    expect(isPermittedAddress(address, strict)).toBe(false);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::ffff:192.168.0.1', 'private'],
    ['::ffff:100.64.0.1', 'private'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:224.0.0.1', 'multicast'],
    ['64:ff9b::10.0.0.1', 'private'], // NAT64 to a private address
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:a00:1::1', 'private'], // 6to4 of 10.0.0.1
    ['2002:a9fe:a9fe::1', 'link_local'], // 6to4 of 169.254.169.254
  ])('an IPv6 address carrying an IPv4 one is what that one is: %s is %s', (address, kind) => {
    expect(addressClass(address)).toBe(kind);
  });

  it.each(['93.184.215.14', '1.1.1.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '11.0.0.1'])(
    'public IPv4 %s is fetched from',
    (address) => {
      expect(addressClass(address)).toBe('public');
      expect(isPermittedAddress(address, strict)).toBe(true);
    },
  );

  it.each([
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('public IPv6 %s is fetched from', (address) => {
    expect(addressClass(address)).toBe('public');
    expect(isPermittedAddress(address, strict)).toBe(true);
  });

  it('allowing loopback allows 127/8 and ::1 (mapped too), and nothing else that is not public', () => {
    for (const address of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) {
      expect(isPermittedAddress(address, development)).toBe(true);
      expect(isPermittedAddress(address, strict)).toBe(false);
    }
    for (const address of ['10.0.0.1', '169.254.169.254', '0.0.0.0', '::', 'fe80::1', 'fc00::1', '192.168.0.1']) {
      expect(isPermittedAddress(address, development)).toBe(false);
    }
  });

  it('a host name, or a decimal or hex form that is not a dotted IP literal, is not an address (DNS decides)', () => {
    for (const text of ['localhost', '2130706433', '0x7f.1', '127.1', '017700000001', 'example.com', '']) {
      expect(addressClass(text)).toBe('not_an_address');
      expect(isPermittedAddress(text, development)).toBe(false);
    }
  });
});
