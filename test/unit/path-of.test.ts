import { describe, expect, it } from 'vitest';
import { pathOf } from '../../src/kernel/path-of.js';

describe('pathOf', () => {
  it('gives the same path as URL for the request URLs Yoga sees', () => {
    for (const url of [
      'http://localhost:4000/graphql',
      'http://localhost:4000/graphql?query=%7B__typename%7D',
      'http://[::1]:4000/graphql#frag',
      'https://gw.example/graphql/?a=1',
      'http://localhost:4000',
      'http://localhost:4000?x=/graphql',
      'http://user@host/a/b?c#d',
    ]) {
      expect(pathOf(url), url).toBe(new URL(url).pathname);
    }
  });
});
