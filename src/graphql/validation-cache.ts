import type { DocumentNode, GraphQLSchema, ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Schema and rule sets kept per document; the oldest goes first. */
const RULE_SETS_PER_DOCUMENT = 4;

interface Validated {
  schema: GraphQLSchema;
  /** The rules as they stood when this plugin's turn came, in order. */
  rules: readonly ValidationRule[];
  result: readonly Error[];
}

/**
 * Each parsed document's validation result, kept with the document for the schema and rules it was
 * found under, as Yoga's own cache (`parserAndValidationCache.validationCache`, turned off in its
 * favour) does. Yoga's keys every request by the names of its rules joined into one string: some
 * thirty names read and joined on every cached request, about 3% of its CPU. This compares the
 * rules one by one instead, by identity, else by name as Yoga's key does (graphql-armor makes a new
 * closure per request, with the same name), and allocates nothing on a hit.
 *
 * Register after the plugins that add rules and before any that reads the document's validation
 * (document-shapes.ts): a rule added later is not part of the key, and is not run on a hit.
 */
export function useValidationCache(): Plugin {
  // With the document: gone when Yoga's document cache lets it go. A few schema and rule sets per
  // document: inline traces validate against a schema of their own.
  const validated = new WeakMap<DocumentNode, Validated[]>();
  return {
    onValidate({ params: { schema, documentAST, rules }, setResult }) {
      const known = validated.get(documentAST);
      const now = rules ?? [];
      for (const entry of known ?? []) {
        if (entry.schema === schema && sameRules(entry.rules, now)) {
          setResult(entry.result);
          return undefined;
        }
      }
      const asNow = [...now];
      return ({ result }) => {
        const entries = validated.get(documentAST) ?? [];
        if (entries.length >= RULE_SETS_PER_DOCUMENT) entries.shift();
        entries.push({ schema, rules: asNow, result });
        validated.set(documentAST, entries);
      };
    },
  };
}

function sameRules(a: readonly ValidationRule[], b: readonly ValidationRule[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && x.name !== y.name) return false;
  }
  return true;
}
