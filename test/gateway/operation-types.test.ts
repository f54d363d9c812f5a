import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('an operation type the schema does not have', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // Over a socket: the status and body a client sees with `Accept: application/json`.
    gw = await startGateway({ listen: true });
  });
  afterAll(() => gw.close());

  const refused = (operation: string, column = 1) => ({
    errors: [
      {
        message: `The ${operation} operation is not supported by the schema.`,
        locations: [{ line: 1, column }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ],
  });

  const post = async (query: string, operationName?: string) => {
    const response = await gw.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, operationName }),
    });
    return { status: response.status, body: await response.json() };
  };

  it('refuses a mutation or a subscription at validation, with a code and no data', async () => {
    expect(await post('mutation { deletePersonalClient }')).toEqual({ status: 200, body: refused('mutation') });
    expect(await post('subscription { personalClientChanged }')).toEqual({ status: 200, body: refused('subscription') });
  });

  it('refuses the document even when its query is the operation chosen, as graphql-js 17 does', async () => {
    expect(await post('query Q { __typename } mutation M { x }', 'Q')).toEqual({ status: 200, body: refused('mutation', 24) });
  });

  it('leaves queries alone', async () => {
    expect(await gw.query('query { __typename }')).toEqual({ data: { __typename: 'Query' } });
  });
});
