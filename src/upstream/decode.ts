import { z } from 'zod';
import { outcomeError } from '../resilience/outcome.js';
import type { PersonalClient } from '../domain/personal-client.js';
import { isRfc3339 } from '../domain/rfc3339.js';

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
const personalClientSchema = z.object({
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

const getResponseSchema = z.object({ client: personalClientSchema.nullish() });

/**
 * Decodes a `PersonalClientServiceGetResponse` body; `{"client": null}` means not found.
 * A client without an id gets the id it was asked for, so it stays addressable as an entity.
 */
export function decodeGetResponse(body: unknown, requestedId: string): PersonalClient | null {
  const parsed = getResponseSchema.safeParse(body);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'body';
    throw outcomeError('unexpected', `C1 answered with an unexpected shape (at ${where})`);
  }
  const client = parsed.data.client;
  if (client == null) return null;
  return client.id === null ? { ...client, id: requestedId } : client;
}
