import { describe, expect, it } from 'vitest';
import type { ValidationRule } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { useValidationCache } from '../../src/graphql/validation-cache.js';

/** A Yoga with the gateway's arrangement: its own validation cache off, this one after the rule plugins. */
function yogaWith(plugins: Plugin[]) {
  const schema = createSchema({ typeDefs: 'type Query { hello: String, other: String }', resolvers: { Query: { hello: () => 'hi' } } });
  const yoga = createYoga({ schema, parserAndValidationCache: { validationCache: false }, logging: false, plugins: [...plugins, useValidationCache()] });
  return async (query: string, headers: Record<string, string> = {}) => {
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: unknown; errors?: { message: string }[] };
  };
}

/** Adds a rule that counts the validations it takes part in; `named` gives it another name per request. */
function countingRules(counts: { runs: number }, named?: (request: Request) => string): Plugin {
  return {
    onValidate({ addValidationRule, context }) {
      const rule: ValidationRule = () => {
        counts.runs += 1;
        return {};
      };
      // A new closure every request, as graphql-armor adds its rules.
      const name = named?.((context as { request: Request }).request) ?? 'Counting';
      Object.defineProperty(rule, 'name', { value: name });
      addValidationRule(rule);
    },
  };
}

describe('useValidationCache', () => {
  it('validates a document once, then answers from the cache while the rules keep their names', async () => {
    const counts = { runs: 0 };
    const post = yogaWith([countingRules(counts)]);
    for (let i = 0; i < 3; i += 1) expect(await post('{ hello }')).toEqual({ data: { hello: 'hi' } });
    expect(counts.runs).toBe(1);
    await post('{ other }');
    expect(counts.runs).toBe(2);
  });

  it('keeps an invalid document\'s errors too, and gives them again', async () => {
    const counts = { runs: 0 };
    const post = yogaWith([countingRules(counts)]);
    const first = await post('{ nope }');
    expect(first.errors?.[0]?.message).toBe('Cannot query field "nope" on type "Query".');
    expect(await post('{ nope }')).toEqual(first);
    expect(counts.runs).toBe(1);
  });

  it('validates again under another rule set, and keeps each', async () => {
    const counts = { runs: 0 };
    const post = yogaWith([countingRules(counts, (request) => request.headers.get('x-rules') ?? 'A')]);
    await post('{ hello }');
    await post('{ hello }', { 'x-rules': 'B' });
    expect(counts.runs).toBe(2);
    await post('{ hello }');
    await post('{ hello }', { 'x-rules': 'B' });
    expect(counts.runs).toBe(2);
  });

  it('validates again when a plugin adds a rule it did not before', async () => {
    const counts = { runs: 0 };
    const extra: Plugin = {
      onValidate({ addValidationRule, context }) {
        if ((context as { request: Request }).request.headers.get('x-extra') !== null) addValidationRule(() => ({}));
      },
    };
    const post = yogaWith([countingRules(counts), extra]);
    await post('{ hello }');
    await post('{ hello }', { 'x-extra': '1' });
    expect(counts.runs).toBe(2);
  });
});
