import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL from the installed package: its scripts and styles are inlined, so the page works on
 * networks that cannot reach a CDN. The page is ~9 MB; graphiql-page.ts renders it once per gateway
 * and keeps it encoded.
 *
 * The package is imported on the first render, not with the gateway: its module keeps ~28 MiB of
 * script text on the heap for as long as the process lives, which a gateway with GraphiQL off (the
 * production default) would carry for nothing.
 */
export async function renderGraphiQLPage(options?: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return renderGraphiQL(options);
}

export function createGraphiQLOptions(exampleId: string | undefined): GraphiQLOptions {
  const id = exampleId ?? '<a personal client id>';
  return {
    title: 'c1-gateway GraphiQL',
    // One operation, so the run button runs it at once (with two, GraphiQL asks which).
    defaultQuery: `# Look up a C1 personal client credential by id, and find credentials by name
# (a case-insensitive substring), 10 at a time: pass pageInfo.endCursor as \`after\` for the next 10.
query Explore {
  personalClient(id: ${JSON.stringify(id)}) {
    id
    clientId
    displayName
    userId
    allowSourceCidr
    scopedRoles
    createdAt
    updatedAt
    deletedAt
    expiresTime
    lastUsedAt
  }
  searchPersonalClients(filter: { query: "terraform" }, first: 10) {
    edges {
      cursor
      node {
        id
        displayName
        userId
        expiresTime
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`,
  };
}
