import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { startServer } from '../../src/ops/server.js';

/**
 * A stand-in for the company's `users` subgraph: it owns `User` (with `email`) and, like any other
 * subgraph, can hand out `PersonalClient` references that only our subgraph can resolve.
 */
export const USERS_TYPE_DEFS = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    "Personal clients waiting for an access review, as references (ids only)."
    clientsToReview: [PersonalClient!]!
    "Users whose credentials are due for review."
    usersToReview: [User!]!
  }

  # No type descriptions here: descriptions that differ between subgraphs become composition
  # hints, and the composition test expects none.
  type User @key(fields: "id") {
    id: ID!
    email: String!
  }

  type PersonalClient @key(fields: "id", resolvable: false) {
    id: ID!
  }
`;

/** The e-mail the users subgraph gives every user: derived from the id, so tests can predict it. */
export const emailOf = (userId: string): string => `${userId.toLowerCase()}@users.example`;

export interface UsersSubgraph {
  /** `http://127.0.0.1:<port>/graphql` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the users subgraph on 127.0.0.1, port 0; `clientsToReview` returns `clientIds` as
 * references, `usersToReview` the users `userIds`.
 */
export async function startUsersSubgraph(clientIds: readonly string[] = [], userIds: readonly string[] = []): Promise<UsersSubgraph> {
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(USERS_TYPE_DEFS),
      resolvers: {
        Query: {
          clientsToReview: () => clientIds.map((id) => ({ __typename: 'PersonalClient', id })),
          usersToReview: () => userIds.map((id) => ({ id, email: emailOf(id) })),
        },
        User: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id, email: emailOf(ref.id) }),
        },
      },
    },
  ]);
  const yoga = createYoga({ schema, graphqlEndpoint: '/graphql', graphiql: false, logging: false });
  const server = await startServer(yoga, { port: 0 });
  return { url: `${server.url}/graphql`, close: () => server.close(1_000) };
}
