import { describe, expect, it } from 'vitest';
import { compiledSchemas, decodeGetResponse, decodePageResponse, responseSchemas } from '../../src/upstream/decode.js';

const CLIENT = {
  id: '2aOyAGVXnRP04mlRvKZN7Ae4GG5',
  clientId: 'gha-66440@localhost/pcc',
  displayName: 'CI deploy bot',
  userId: '2aOyAGVXnRP04mlRvKZN7Ae4GG4',
  allowSourceCidr: ['2001:db8::/32'],
  scopedRoles: [],
  createdAt: '2024-01-10T19:57:30.612009Z',
  updatedAt: '2024-01-30T19:33:27.663759Z',
  deletedAt: null,
  expiresTime: '2032-04-28T15:04:12.406151Z',
  lastUsedAt: '2024-02-02T18:03:51.444644Z',
};

/** Clients C1 may send, and clients it should not: each field set, unset, empty, mistyped or odd. */
const CLIENTS: unknown[] = [
  CLIENT,
  {},
  { ...CLIENT, id: null, clientId: undefined, displayName: '' },
  { ...CLIENT, createdAt: '', deletedAt: '', lastUsedAt: null, expiresTime: undefined },
  { ...CLIENT, allowSourceCidr: null, scopedRoles: undefined },
  { ...CLIENT, scopedRoles: ['admin', 'reader'], futureField: { nested: true }, another: 1 },
  { ...CLIENT, createdAt: '2026-02-30T00:00:00Z' },
  { ...CLIENT, updatedAt: 'yesterday' },
  { ...CLIENT, id: 42 },
  { ...CLIENT, scopedRoles: 'admin' },
  { ...CLIENT, allowSourceCidr: ['10.0.0.0/8', 7] },
  { ...CLIENT, displayName: { text: 'x' } },
  null,
  'client',
  [CLIENT],
];

const BODIES: unknown[] = [
  ...CLIENTS.map((client) => ({ client })),
  { client: null },
  {},
  { client: CLIENT, extra: 'dropped' },
  null,
  'not an object',
  42,
  [],
];

const PAGES: unknown[] = [
  { list: [CLIENT, { ...CLIENT, id: 'other', createdAt: '' }], nextPageToken: 'next' },
  { list: [], nextPageToken: '' },
  { list: null, nextPageToken: null },
  {},
  ...CLIENTS.map((client) => ({ list: [CLIENT, client], nextPageToken: 'n' })),
  { list: CLIENT },
  { list: [CLIENT], nextPageToken: 7 },
  null,
  'page',
];

/** What a caller of safeParse sees: the value, or each issue's path, code and message. */
function outcome(result: { success: boolean; data?: unknown; error?: { issues: { path: PropertyKey[]; code: string; message: string }[] } }) {
  return result.success
    ? { success: true, data: result.data }
    : { success: false, issues: result.error!.issues.map(({ path, code, message }) => ({ path, code, message })) };
}

describe('C1 response decoding', () => {
  const runtime = responseSchemas();

  it('answers every GET body exactly as the runtime parser does, compiled', () => {
    for (const body of BODIES) {
      expect(outcome(compiledSchemas.get.safeParse(body)), JSON.stringify(body)).toEqual(outcome(runtime.get.safeParse(body)));
    }
  });

  it('answers every List or Search body exactly as the runtime parser does, compiled', () => {
    for (const body of PAGES) {
      expect(outcome(compiledSchemas.page.safeParse(body)), JSON.stringify(body)).toEqual(outcome(runtime.page.safeParse(body)));
    }
  });

  it('drops unknown fields and reads an empty or missing timestamp as null', () => {
    const client = decodeGetResponse({ client: { ...CLIENT, createdAt: '', lastUsedAt: undefined, futureField: 1 } }, 'asked');
    expect(client).toEqual({ ...CLIENT, createdAt: null, lastUsedAt: null });
    expect(client).not.toHaveProperty('futureField');
  });

  it('gives a client without an id the id it was asked for, and reads {"client": null} as not found', () => {
    expect(decodeGetResponse({ client: { ...CLIENT, id: null } }, 'asked')?.id).toBe('asked');
    expect(decodeGetResponse({ client: null }, 'asked')).toBeNull();
  });

  it('refuses a mistyped field or a date that is not RFC 3339, naming where and never what', () => {
    expect(() => decodeGetResponse({ client: { ...CLIENT, scopedRoles: 'secret-admin' } }, 'asked')).toThrow(
      /^C1 answered with an unexpected shape \(at client\.scopedRoles\)$/,
    );
    expect(() => decodeGetResponse({ client: { ...CLIENT, createdAt: '2026-02-30T00:00:00Z' } }, 'asked')).toThrow(/\(at client\.createdAt\)$/);
    expect(() => decodePageResponse({ list: [CLIENT, { ...CLIENT, id: 42 }] })).toThrow(/\(at list\.1\.id\)$/);
  });
});
