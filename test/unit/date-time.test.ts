import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DateTime } from '../../src/graphql/date-time.js';

describe('DateTime', () => {
  it('serializes an RFC 3339 date-time as is, every time', () => {
    for (let i = 0; i < 3; i += 1) {
      expect(DateTime.serialize('2026-11-30T10:15:11.123456Z')).toBe('2026-11-30T10:15:11.123456Z');
      expect(DateTime.serialize('2026-11-30T10:15:11+01:00')).toBe('2026-11-30T10:15:11+01:00');
    }
  });

  it('refuses what is not one as an upstream fault, also after valid ones were seen', () => {
    const refused = (value: unknown) => {
      try {
        DateTime.serialize(value);
      } catch (error) {
        return error instanceof GraphQLError ? error.extensions['code'] : error;
      }
      return 'serialized';
    };
    DateTime.serialize('2026-02-28T00:00:00Z');
    for (const value of ['2026-02-30T00:00:00Z', '2026-02-28', '2026-02-28T00:00:00', 1_764_497_711, null]) {
      expect(refused(value), String(value)).toBe('UPSTREAM_BAD_RESPONSE');
    }
  });

  it('parses only RFC 3339 date-times from the caller', () => {
    expect(DateTime.parseValue('2026-11-30T10:15:11Z')).toBe('2026-11-30T10:15:11Z');
    expect(() => DateTime.parseValue('yesterday')).toThrow('DateTime must be an RFC 3339 date-time string');
  });
});
