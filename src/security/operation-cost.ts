import {
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { measureListings } from './listing-cost.js';

/** The root fields that fetch personal clients, and the argument holding the ids. */
const FETCHING_FIELDS: Record<string, string> = {
  personalClient: 'id',
  personalClients: 'ids',
  _entities: 'representations',
};
/** The entity types this subgraph resolves; a router never sends another here. Only PersonalClient ids are fetched. */
const ENTITY_TYPES = ['PersonalClient', 'User'];

/** What an operation would cost, read from its document and variables before it runs. */
export interface OperationCost {
  /**
   * The most upstream fetches it can cause: the distinct ids it names at the root, across aliases,
   * fragments, lists and `_entities` representations (distinct, because the request's loader
   * fetches a repeated id once; an id that cannot be read statically counts as one more fetch),
   * plus the C1 List/Search calls its connections can make (see listing-cost.ts).
   */
  fetches: number;
  /**
   * What it resolves at the root, duplicates counted: one per root response key (any field,
   * `__typename` included), except `personalClients`, which counts each id in its list, and
   * `_entities`, which counts each representation. Each is a response object the gateway builds
   * and serialises, whether or not it costs a fetch: this is what a repeated-id amplification grows.
   */
  resolutions: number;
  /**
   * The fields it resolves: each root object times the fields selected on it (nested ones and
   * aliases included, fragments expanded). What a wide selection over many objects grows, and
   * roughly what the execution and the response cost.
   */
  fields: number;
  /** Why an `_entities` representation cannot resolve here, when one cannot. */
  invalidRepresentation?: string;
}

/**
 * Measures an operation from the AST alone (no schema), so it is independent of which graphql
 * module built the schema. Conservative where it cannot know: `@skip`/`@include` are ignored.
 * Root fields that share a response key are merged by GraphQL and counted once; each fragment is
 * walked once, so a document cannot make this walk itself expensive.
 */
export function measureOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): OperationCost {
  const operation = pickOperation(document, operationName);
  const cost: OperationCost = { fetches: 0, resolutions: 0, fields: 0 };
  if (operation === undefined || operation.operation !== 'query') return cost;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const vars = withDefaults(operation, variables ?? {});

  const ids = new Set<string>();
  let unknown = 0;
  const add = (value: unknown): void => {
    if (typeof value === 'string') ids.add(value);
    else unknown += 1;
  };
  const fields = new Map<string, FieldNode>();
  const visited = new Set<string>();
  // One variable list under 100 aliases is one list: its ids are read once, not 100 times.
  const walked = { personalClients: new WeakSet<unknown[]>(), _entities: new WeakSet<unknown[]>() };
  const collect = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        if (!fields.has(key)) fields.set(key, selection);
        // A second field under the same key is merged by GraphQL, but its id is still read
        // (validation makes the arguments equal; counting both keeps this an upper bound).
        else countIds(selection, vars, add, () => undefined, walked);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment !== undefined) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);

  const width = selectionWidth(fragments);
  for (const field of fields.values()) {
    const items = countIds(
      field,
      vars,
      add,
      (reason) => {
        cost.invalidRepresentation ??= reason;
      },
      walked,
    );
    cost.resolutions += items;
    cost.fields += items * (1 + (field.selectionSet === undefined ? 0 : width(field.selectionSet)));
  }
  // Connections: their C1 calls join the fan-out; their pages are objects and fields like any other.
  const listings = measureListings(fields.values(), fragments, vars);
  cost.fetches = ids.size + unknown + listings.calls;
  cost.resolutions += listings.objects;
  cost.fields = Math.max(cost.fields, listings.fields);
  return cost;
}

/**
 * Counts the fields of a selection set, nested and aliased ones included; a fragment is counted
 * once and remembered, so fragments spread in fragments cannot make the count (or this walk)
 * grow exponentially. Fields GraphQL would merge are counted each time: an upper bound.
 */
function selectionWidth(fragments: ReadonlyMap<string, FragmentDefinitionNode>) {
  const memo = new Map<string, number>();
  const width = (selectionSet: SelectionSetNode): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) total += 1 + (selection.selectionSet === undefined ? 0 : width(selection.selectionSet));
      else if (selection.kind === Kind.INLINE_FRAGMENT) total += width(selection.selectionSet);
      else {
        const name = selection.name.value;
        let counted = memo.get(name);
        if (counted === undefined) {
          memo.set(name, 0); // validation forbids cycles; this only guards the walk
          const fragment = fragments.get(name);
          counted = fragment === undefined ? 0 : width(fragment.selectionSet);
          memo.set(name, counted);
        }
        total += counted;
      }
    }
    return total;
  };
  return width;
}

/**
 * Reads one root field's ids into `add`; returns how many objects it resolves. A list already
 * walked for the same field (`walked`: one variable referenced again) only adds its length, so
 * measuring stays linear in the request's size, not in what the request asks for.
 */
function countIds(
  field: FieldNode,
  vars: Record<string, unknown>,
  add: (id: unknown) => void,
  invalid: (reason: string) => void,
  walked: Record<'personalClients' | '_entities', WeakSet<unknown[]>>,
): number {
  const name = field.name.value;
  const argName = FETCHING_FIELDS[name];
  const arg = argName === undefined ? undefined : field.arguments?.find((a) => a.name.value === argName);
  if (arg === undefined) return 1;
  const value = readValue(arg.value, vars);
  if (name === 'personalClient') {
    add(value);
    return 1;
  }
  const list = asList(value);
  const seen = walked[name as keyof typeof walked];
  if (seen.has(list)) return list.length;
  seen.add(list);
  if (name === 'personalClients') list.forEach(add);
  else {
    list.forEach((rep, index) => {
      const reason = representationProblem(rep);
      if (reason !== undefined) invalid(`representation ${index}: ${reason}`);
      else if ((rep as { __typename: string }).__typename === 'PersonalClient') add((rep as { id: string }).id);
    });
  }
  return list.length;
}

/** A representation this subgraph can resolve: `{ __typename: "PersonalClient" | "User", id: "<string>" }`. */
function representationProblem(rep: unknown): string | undefined {
  if (typeof rep !== 'object' || rep === null || Array.isArray(rep)) return 'must be an object';
  const { __typename: typename, id } = rep as { __typename?: unknown; id?: unknown };
  if (typeof typename !== 'string') return '__typename is required';
  if (!ENTITY_TYPES.includes(typename)) return `__typename must be ${ENTITY_TYPES.join(' or ')}, the entities resolved here`;
  if (typeof id !== 'string') return 'id must be a string';
  return undefined;
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
