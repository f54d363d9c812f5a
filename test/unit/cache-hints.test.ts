import { parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyCacheHints } from '../../src/graphql/cache-hints.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';

const SDL = `
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT
  enum CacheControlScope { PUBLIC PRIVATE }
  type Query { one: Thing  many: [Thing!]! @cacheControl(maxAge: 0)  mine: Thing @cacheControl(maxAge: 30, scope: PRIVATE) }
  type Thing @cacheControl(maxAge: 30) @deprecated { id: ID! }
`;

/** Each `@cacheControl` application (not the definition) in the printed document, in order. */
function hintsIn(sdl: string): string[] {
  return [...sdl.matchAll(/(?<!directive )@cacheControl\(([^)]*)\)/g)].map((m) => m[1] as string);
}

describe('the SDL\'s @cacheControl hints follow config', () => {
  it('sets every non-zero maxAge to the value lifetime and leaves maxAge: 0 (never kept) alone', () => {
    const sdl = print(applyCacheHints(parse(SDL), { valueMaxAgeSeconds: 7, scope: 'public' }));

    expect(hintsIn(sdl)).toEqual(['maxAge: 0', 'maxAge: 7, scope: PRIVATE', 'maxAge: 7']);
    // Other directives and the definition itself are untouched.
    expect(sdl).toContain('@deprecated');
    expect(sdl).toContain('directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean)');
  });

  it('makes every hint PRIVATE in forward mode, replacing a scope already written', () => {
    const sdl = print(applyCacheHints(parse(SDL), { valueMaxAgeSeconds: 30, scope: 'private' }));

    expect(hintsIn(sdl)).toEqual(['maxAge: 0, scope: PRIVATE', 'maxAge: 30, scope: PRIVATE', 'maxAge: 30, scope: PRIVATE']);
  });

  it('rewrites the project\'s schema.graphql: the entity type gets the lifetime, the three listings stay 0', () => {
    const sdl = print(applyCacheHints(parse(loadTypeDefs()), { valueMaxAgeSeconds: 12, scope: 'public' }));

    expect(sdl).toMatch(/type PersonalClient @key\(fields: "id"\) @cacheControl\(maxAge: 12\)/);
    expect(hintsIn(sdl).filter((h) => h === 'maxAge: 0')).toHaveLength(3);
    expect(hintsIn(sdl)).toHaveLength(4);
  });
});
