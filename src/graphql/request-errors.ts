import { getOperationAST, getVariableValues, type ExecutionArgs, type GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * Errors of an execution that never started are the caller's: once a document has validated,
 * the only way execution ends before running a resolver is a variable the executor could not
 * coerce (`{"id": 1.5}` for an `ID!`, `[null]` for `[_Any!]!`). Both executors (graphql-js and
 * graphql-jit) then answer without `data`, but their errors carry no code, or a cause the mask
 * would take for a bug, and graphql-jit words them differently and without locations. They are
 * answered here, before the mask sees them, as graphql-js coerces the variables: the same
 * BAD_USER_INPUT errors whichever executor ran. Errors that already carry a code (refusals by the
 * limit plugins) are kept.
 */
export function useRequestErrorsAsBadInput(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result || 'data' in result || result.errors === undefined) return;
          if (result.errors.every(hasCode)) return;
          const errors = coercionErrors(args) ?? result.errors;
          setResult({ ...result, errors: errors.map((e) => (hasCode(e) ? e : asBadInput(e))) });
        },
      };
    },
  };
}

/** The errors graphql-js reports for these variables, or undefined when it finds none. */
function coercionErrors(args: ExecutionArgs): readonly GraphQLError[] | undefined {
  const operation = getOperationAST(args.document, args.operationName);
  if (operation == null) return undefined;
  const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {}, { maxErrors: 50 });
  return coerced.errors;
}

function hasCode(error: GraphQLError): boolean {
  return typeof error.extensions?.['code'] === 'string';
}

function asBadInput(error: GraphQLError): GraphQLError {
  // Yoga's constructor, so Yoga knows it for a GraphQL error whichever copy of graphql loaded it;
  // `http.spec` gives the status GraphQL over HTTP asks for: 400, or 200 to plain JSON callers.
  return createGraphQLError(error.message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    extensions: { code: 'BAD_USER_INPUT', http: { spec: true, status: 400 } },
  });
}
