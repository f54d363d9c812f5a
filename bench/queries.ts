/** The GraphQL documents the scenarios send: what a frontend asks for, every field, by variable. */

export const ALL_FIELDS =
  'id clientId displayName userId allowSourceCidr scopedRoles createdAt updatedAt deletedAt expiresTime lastUsedAt';

const ONE = `query PersonalClient($id: ID!) { personalClient(id: $id) { ${ALL_FIELDS} } }`;
const MANY = `query PersonalClients($ids: [ID!]!) { personalClients(ids: $ids) { ${ALL_FIELDS} } }`;

const SEARCH = `query Search($filter: PersonalClientFilter, $first: Int) {
  searchPersonalClients(filter: $filter, first: $first) { edges { cursor node { ${ALL_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;

/** The same fields through the schema Mesh generates from the seed's OpenAPI spec (bench/peers/). */
const MESH_ONE = `query PersonalClient($id: String!) { c1_api_iam_v1_PersonalClientService_Get(id: $id) { client { ${ALL_FIELDS} } } }`;

export const GRAPHQL_HEADERS = { 'content-type': 'application/json' } as const;

export function oneClientBody(id: string): string {
  return JSON.stringify({ query: ONE, variables: { id }, operationName: 'PersonalClient' });
}

/** The same read with the id written into the document: a new document per id. */
export function literalClientBody(id: string): string {
  return JSON.stringify({ query: `{ personalClient(id: ${JSON.stringify(id)}) { ${ALL_FIELDS} } }` });
}

export function meshClientBody(id: string): string {
  return JSON.stringify({ query: MESH_ONE, variables: { id }, operationName: 'PersonalClient' });
}

/** Mesh's read with the id written into the document. */
export function meshLiteralBody(id: string): string {
  return JSON.stringify({ query: `{ c1_api_iam_v1_PersonalClientService_Get(id: ${JSON.stringify(id)}) { client { ${ALL_FIELDS} } } }` });
}

export function manyClientsBody(ids: readonly string[]): string {
  return JSON.stringify({ query: MANY, variables: { ids }, operationName: 'PersonalClients' });
}

/** True when a GraphQL response body carries no errors (autocannon counts the rest as mismatches). */
export function hasNoErrors(body: string): boolean {
  return !body.includes('"errors"');
}

/** The first page of a search, with cursors: what a credentials page renders. */
export function searchBody(filter: { query?: string; userIds?: string[] }, first = 25): string {
  return JSON.stringify({ query: SEARCH, variables: { filter, first }, operationName: 'Search' });
}
