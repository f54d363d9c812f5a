import { describe, expect, it } from 'vitest';
import { refusesEncodedBodies } from '../../src/security/compression.js';
import { negotiate } from '../../src/security/content-encoding.js';

describe('Accept-Encoding negotiation', () => {
  it.each([
    [null, undefined],
    ['', undefined],
    ['identity', undefined],
    ['deflate, zstd', undefined],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['GZIP , BR', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['gzip;q=0, *', 'br'],
    ['*;q=0', undefined],
    ['br;q=nonsense, gzip;q=0.1', 'gzip'],
  ] as const)('answers %j in %s', (header, coding) => {
    expect(negotiate(header)).toBe(coding);
  });
});

describe('request Content-Encoding', () => {
  it('takes a missing or identity coding as plain and refuses every other', () => {
    expect(refusesEncodedBodies(null)).toBeUndefined();
    expect(refusesEncodedBodies('identity')).toBeUndefined();
    expect(refusesEncodedBodies(' Identity ')).toBeUndefined();
    for (const coding of ['gzip', 'br', 'deflate', 'zstd', 'gzip, identity', 'x-anything']) {
      expect(refusesEncodedBodies(coding)).toMatch(/not accepted/);
    }
  });
});
