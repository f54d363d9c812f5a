import {
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** `extensions.reason` of the rejection; the code is BAD_USER_INPUT, like an over-long id list. */
export const FAN_OUT_REASON = 'FAN_OUT_LIMIT_EXCEEDED';

/** The root fields that fetch personal clients, and the argument holding the ids. */
const FETCHING_FIELDS: Record<string, string> = {
  personalClient: 'id',
  personalClients: 'ids',
  _entities: 'representations',
};
const ENTITY_TYPE = 'PersonalClient';

/**
 * The most upstream fetches an operation can cause: the distinct ids it names at the root, across
 * aliases, fragments, lists and `_entities` representations, with variables substituted. Distinct,
 * because the request's loader fetches a repeated id once. Conservative where it cannot know:
 * `@skip`/`@include` are ignored, and an id it cannot read statically counts as one more fetch.
 * Only the AST is used (no schema), so this is independent of which graphql module built the schema.
 */
export function countUpstreamFetches(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): number {
  const operation = pickOperation(document, operationName);
  if (operation === undefined || operation.operation !== 'query') return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const vars = withDefaults(operation, variables ?? {});

  const ids = new Set<string>();
  let unknown = 0;
  const add = (value: unknown): void => {
    if (typeof value === 'string') ids.add(value);
    else unknown += 1;
  };
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A fragment spread twice at the root selects the same fields again: nothing new to fetch.
        if (fragment !== undefined && !visited.has(name)) {
          visited.add(name);
          walk(fragment.selectionSet);
        }
      } else {
        const argName = FETCHING_FIELDS[selection.name.value];
        const arg = argName === undefined ? undefined : selection.arguments?.find((a) => a.name.value === argName);
        if (arg === undefined) continue;
        const value = readValue(arg.value, vars);
        if (selection.name.value === 'personalClient') add(value);
        else if (selection.name.value === 'personalClients') asList(value).forEach(add);
        else for (const rep of asList(value)) if (isEntityOf(rep)) add((rep as { id?: unknown }).id);
      }
    }
  };
  walk(operation.selectionSet);
  return ids.size + unknown;
}

function pickOperation(document: DocumentNode, name: string | null | undefined) {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (name == null) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((op) => op.name?.value === name);
}

function withDefaults(operation: OperationDefinitionNode, given: Readonly<Record<string, unknown>>) {
  const vars: Record<string, unknown> = { ...given };
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (vars[name] === undefined && def.defaultValue !== undefined) vars[name] = valueFromASTUntyped(def.defaultValue);
  }
  return vars;
}

function readValue(node: ValueNode, vars: Record<string, unknown>): unknown {
  try {
    return valueFromASTUntyped(node, vars);
  } catch {
    return undefined; // unreadable: counted as one unknown fetch
  }
}

/** GraphQL input coercion turns a single value into a one-element list; count it the same way. */
function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function isEntityOf(rep: unknown): boolean {
  return typeof rep === 'object' && rep !== null && (rep as { __typename?: unknown }).__typename === ENTITY_TYPE;
}

export interface FanOutCapOptions {
  /** @default 100 — most upstream fetches one operation may cause (MAX_UPSTREAM_FETCHES_PER_OPERATION). */
  maxFetches: number;
}

/**
 * Rejects, before execution starts, an operation that would fetch more than `maxFetches` personal
 * clients. It runs at execute time rather than as a validation rule because it needs the variables,
 * and Yoga caches validation per document, not per variable set.
 */
export function useFanOutCap(options: FanOutCapOptions): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const fetches = countUpstreamFetches(args.document, args.operationName, args.variableValues);
      if (fetches <= options.maxFetches) return;
      setResultAndStopExecution({
        errors: [
          createGraphQLError(
            `This operation would fetch ${fetches} personal clients; at most ${options.maxFetches} are allowed per operation`,
            { extensions: { code: 'BAD_USER_INPUT', reason: FAN_OUT_REASON } },
          ),
        ],
      });
    },
  };
}
