import { z } from 'zod';
import { outcomeError } from '../resilience/outcome.js';
import type { PersonalClient } from '../domain/personal-client.js';
import { isRfc3339 } from '../domain/rfc3339.js';

/**
 * The response schemas as zod's runtime parser runs them; the decoders below run them compiled.
 * Tests hold the two to the same answers.
 */
export function responseSchemas() {
  const nullableString = z.string().nullish().transform((v) => v ?? null);
  // C1 emits unset timestamps as null or "" (the proto zero value); both mean "not set". A set one
  // must be RFC 3339: checked here, once per fetch, so a bad one is never cached or served.
  const nullableDate = z
    .string()
    .nullish()
    .transform((v) => (v === '' || v == null ? null : v))
    .refine((v) => v === null || isRfc3339(v), 'not an RFC 3339 date-time');
  const nullableList = z.array(z.string()).nullish().transform((v) => v ?? null);

  // Unknown fields are dropped (C1 may add fields); known ones must have the documented type.
  const personalClient = z.object({
    id: nullableString,
    clientId: nullableString,
    displayName: nullableString,
    userId: nullableString,
    allowSourceCidr: nullableList,
    scopedRoles: nullableList,
    createdAt: nullableDate,
    updatedAt: nullableDate,
    deletedAt: nullableDate,
    expiresTime: nullableDate,
    lastUsedAt: nullableDate,
  });
  return {
    get: z.object({ client: personalClient.nullish() }),
    // C1 emits an empty list as [] (or, like any unset field, may leave it out or null).
    page: z.object({ list: z.array(personalClient).nullish(), nextPageToken: z.string().nullish() }),
  };
}

/**
 * Compiled with z.compile: a valid body takes generated code, and an invalid one falls back to the
 * runtime parser, so errors read as they did. Against the runtime parser, a body decodes in about
 * 5 instead of 6.5 µs, and it no longer outlives two young-generation collections (a C1 read
 * promoted 2.1 KB before; bench/README.md). `strict`: a zod upgrade that can no longer compile
 * them fails at import, in every test, instead of quietly running slower.
 */
const runtime = responseSchemas();
export const compiledSchemas = {
  get: z.compile(runtime.get, { strict: true }),
  page: z.compile(runtime.page, { strict: true }),
};

/** Names where the body went wrong, never what it held (it may be anything C1, or a proxy, sent). */
function unexpectedShape(error: z.ZodError): Error {
  const where = error.issues[0]?.path.join('.') || 'body';
  return outcomeError('unexpected', `C1 answered with an unexpected shape (at ${where})`);
}

/**
 * Decodes a `PersonalClientServiceGetResponse` body; `{"client": null}` means not found.
 * A client without an id gets the id it was asked for, so it stays addressable as an entity.
 */
export function decodeGetResponse(body: unknown, requestedId: string): PersonalClient | null {
  const parsed = compiledSchemas.get.safeParse(body);
  if (!parsed.success) throw unexpectedShape(parsed.error);
  const client = parsed.data.client;
  if (client == null) return null;
  return client.id === null ? { ...client, id: requestedId } : client;
}

/** One page of List or Search: the clients, and the token of the next page ('' on the last). */
export interface PersonalClientPage {
  items: PersonalClient[];
  nextPageToken: string;
}

/**
 * Decodes a List or Search response. Unlike a GET's client, an item without an id has no id to
 * fall back on: it could be neither linked nor fetched again, so the whole page is refused.
 */
export function decodePageResponse(body: unknown): PersonalClientPage {
  const parsed = compiledSchemas.page.safeParse(body);
  if (!parsed.success) throw unexpectedShape(parsed.error);
  const items = parsed.data.list ?? [];
  const index = items.findIndex((client) => client.id === null || client.id === '');
  if (index !== -1) throw outcomeError('unexpected', `C1 answered with a client without an id (at list.${index})`);
  return { items, nextPageToken: parsed.data.nextPageToken ?? '' };
}
