import type { ASTVisitor, ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * A mutation or subscription on this query-only schema is a validation error, as graphql-js 17's
 * KnownOperationTypesRule makes it (same message). graphql-js 16 finds it only while executing,
 * and answers an error with no code (and `data: null` for a mutation).
 */
export function knownOperationTypesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  return {
    OperationDefinition(node) {
      if (schema.getRootType(node.operation) == null) {
        // Yoga's own error class (createGraphQLError), so Yoga marks it as the validation error it is.
        context.reportError(createGraphQLError(`The ${node.operation} operation is not supported by the schema.`, { nodes: node }));
      }
    },
  };
}

/** Adds knownOperationTypesRule to validation: a refusal with `GRAPHQL_VALIDATION_FAILED`, before anything runs. */
export function useKnownOperationTypes(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(knownOperationTypesRule);
    },
  };
}
