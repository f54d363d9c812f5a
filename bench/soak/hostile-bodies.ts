/**
 * The request bodies of issue 12's hostile callers: small queries that ask the gateway for far more
 * work or output than they weigh, all within the edge's per-request limits (aliases, tokens, bytes).
 */

/** @default 100 — the most aliases per operation the gateway accepts (LIMIT_MAX_ALIASES). */
export const ALIASES = 100;
/** @default 500 — aliased `__typename` fields: the alias limit does not count them. */
export const TYPENAME_ALIASES = 500;
/** @default 512 — bytes left under MAX_REQUEST_BYTES, so a body is "just under" the limit, not over it. */
export const BODY_MARGIN_BYTES = 512;

export interface HostileShape {
  /** Its name in the report. */
  kind: string;
  /** What it is, for the report. */
  about: string;
  body: string;
}

const aliased = (count: number, field: (i: number) => string) => Array.from({ length: count }, (_, i) => field(i)).join(' ');

/**
 * `_entities` with one representation repeated, sent once in a variable and referenced by every
 * alias: each copy is resolved (and serialised) once per alias. As many copies as fit under `maxBytes`.
 */
export function entitiesAmplifier(id: string, maxBytes: number): HostileShape {
  const query =
    `query ($r: [_Any!]!) { ${aliased(ALIASES, (i) => `e${i}: _entities(representations: $r) { ... on PersonalClient { id displayName clientId } }`)} }`;
  const representation = { __typename: 'PersonalClient', id };
  const bodyOf = (copies: number) => JSON.stringify({ query, variables: { r: Array.from({ length: copies }, () => representation) } });
  const perCopy = bodyOf(2).length - bodyOf(1).length;
  const copies = Math.floor((maxBytes - BODY_MARGIN_BYTES - bodyOf(0).length) / perCopy);
  return {
    kind: 'entities',
    about: `_entities: ${copies} copies of one representation in a variable, under ${ALIASES} aliases`,
    body: bodyOf(copies),
  };
}

/** `personalClients` with one id repeated in a variable, under every alias. */
export function repeatedIdsAmplifier(id: string, ids: number): HostileShape {
  const query =
    `query ($ids: [ID!]!) { ${aliased(ALIASES, (i) => `p${i}: personalClients(ids: $ids) { id displayName clientId }`)} }`;
  return {
    kind: 'repeated-ids',
    about: `personalClients: ${ids} copies of one id in a variable, under ${ALIASES} aliases`,
    body: JSON.stringify({ query, variables: { ids: Array.from({ length: ids }, () => id) } }),
  };
}

export function typenameAmplifier(): HostileShape {
  return {
    kind: 'typename',
    about: `${TYPENAME_ALIASES} aliased __typename fields`,
    body: JSON.stringify({ query: `{ ${aliased(TYPENAME_ALIASES, (i) => `t${i}: __typename`)} }` }),
  };
}

/** One `personalClients` call for the given ids (the cold flood sends ids never asked for before). */
export function manyIdsBody(ids: readonly string[]): string {
  return JSON.stringify({ query: 'query ($ids: [ID!]!) { personalClients(ids: $ids) { id displayName } }', variables: { ids } });
}

/** What a normal caller asks: one client, a few fields. */
export function oneIdBody(id: string): string {
  return JSON.stringify({ query: 'query ($id: ID!) { personalClient(id: $id) { id displayName clientId scopedRoles } }', variables: { id } });
}
