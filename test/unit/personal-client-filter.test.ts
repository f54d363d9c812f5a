import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../src/kernel/errors.js';
import { MAX_FILTER_QUERY_LENGTH, MAX_FILTER_USER_IDS, normalizeFilter, type PersonalClientFilterInput } from '../../src/graphql/personal-client-filter.js';

function refusal(input: PersonalClientFilterInput) {
  try {
    normalizeFilter(input);
  } catch (error) {
    if (isGatewayError(error)) return error;
    throw error;
  }
  throw new Error('expected the filter to be refused');
}

describe('personal client filter', () => {
  it('reads an absent filter, and absent or null fields, as no filter', () => {
    const none = { query: '', userIds: [] };
    expect(normalizeFilter(undefined)).toEqual(none);
    expect(normalizeFilter(null)).toEqual(none);
    expect(normalizeFilter({ query: null, userIds: null })).toEqual(none);
  });

  it('keeps the query and the ids exactly as given, order and duplicates included', () => {
    const input = { query: ' Terraform ', userIds: ['b', 'a', 'b'] };
    expect(normalizeFilter(input)).toEqual({ query: ' Terraform ', userIds: ['b', 'a', 'b'] });
  });

  it('accepts the longest query and the most ids allowed', () => {
    const ids = Array.from({ length: MAX_FILTER_USER_IDS }, (_, i) => `u${i}`);
    expect(normalizeFilter({ query: 'q'.repeat(MAX_FILTER_QUERY_LENGTH), userIds: ids }).userIds).toHaveLength(100);
  });

  it.each([
    ['a query over 256 characters', { query: 'q'.repeat(MAX_FILTER_QUERY_LENGTH + 1) }, /filter\.query/],
    ['more than 100 user ids', { userIds: Array.from({ length: MAX_FILTER_USER_IDS + 1 }, (_, i) => `u${i}`) }, /filter\.userIds/],
    ['an empty user id', { userIds: ['ok', ''] }, /filter\.userIds\[1\]: id must not be empty/],
    ['a user id with a control character', { userIds: ['bad\u0000id'] }, /filter\.userIds\[0\]: id must not contain control characters/],
    ['a user id with a newline', { userIds: ['bad\nid'] }, /control characters/],
  ])('refuses %s as BAD_USER_INPUT', (_name, input, message) => {
    const error = refusal(input);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('bad');
  });
});
