import { describe, expect, it } from 'vitest';
import { addressKey, callerKey } from '../../src/security/caller-key.js';

const all = {
  jwtSubject: 'user-42',
  forwardPartition: 'tokenhash',
  routerAuthenticated: true,
  clientName: 'web-app',
  address: '10.0.0.7',
};

describe('callerKey', () => {
  it('picks the verified JWT subject first', () => {
    expect(callerKey(all)).toBe('jwt:user-42');
  });

  it('picks the forwarded token hash when there is no subject', () => {
    expect(callerKey({ ...all, jwtSubject: undefined })).toBe('fwd:tokenhash');
  });

  it('picks the client name only when the router secret authenticated the request', () => {
    const unsigned = { ...all, jwtSubject: undefined, forwardPartition: undefined };
    expect(callerKey(unsigned)).toBe('client:web-app');
    expect(callerKey({ ...unsigned, routerAuthenticated: false })).toBe('addr:10.0.0.7');
  });

  it('ignores a client name that is too long or has odd characters, and falls back to the address', () => {
    const base = { routerAuthenticated: true, address: '10.0.0.7' };
    expect(callerKey({ ...base, clientName: 'x'.repeat(65) })).toBe('addr:10.0.0.7');
    expect(callerKey({ ...base, clientName: 'a b\n' })).toBe('addr:10.0.0.7');
    expect(callerKey({ ...base, clientName: '' })).toBe('addr:10.0.0.7');
  });

  it('falls back to the peer address, and says unknown without one', () => {
    expect(callerKey({ routerAuthenticated: false, address: '192.0.2.1' })).toBe('addr:192.0.2.1');
    expect(callerKey({ routerAuthenticated: false })).toBe('addr:unknown');
  });

  it('hashes a very long subject instead of keeping it', () => {
    const key = callerKey({ routerAuthenticated: false, jwtSubject: 's'.repeat(500) });
    expect(key).toMatch(/^jwt:sha256-[\w-]{43}$/);
  });
});

describe('addressKey', () => {
  it('keys IPv4 (also IPv4-mapped) by the address', () => {
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
  });

  it('keys IPv6 by its /64, so one host cannot rotate through its own addresses', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('says unknown for anything that is not an address', () => {
    expect(addressKey('not-an-ip')).toBe('unknown');
  });
});
