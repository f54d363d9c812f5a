/**
 * What the connection fields of an operation can cost, read from the AST alone like the rest of
 * operation-cost.ts: the C1 List/Search calls they can make (the fan-out cap counts these as it
 * counts ids), the objects their pages hold, and the fields resolved over them. Connections nest
 * (`nodes { user { personalClients { … } } }`), so everything is weighted by how many parent
 * objects a field runs on. Each named fragment is walked once per type and page size and its cost
 * scaled, so fragments spread in fragments cannot make the walk exponential.
 */
import { Kind, valueFromASTUntyped, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { maxPagesPerWalk } from '../loading/personal-client-pages.js';
import { MAX_FIRST } from '../graphql/connections.js';

export interface ListingCost {
  /** C1 List/Search calls at most. */
  calls: number;
  /** Personal clients the connections' pages hold. */
  objects: number;
  /** Fields resolved, every field once per object it runs on (connections' pages included). */
  fields: number;
}

type Shape = 'PersonalClient' | 'User' | 'Connection' | 'Edge' | 'Other';
/** The types a fragment may name that narrow an `_entities` selection. */
const ENTITY_SHAPES = new Set(['PersonalClient', 'User']);
/** `first`'s default in the SDL. */
const DEFAULT_FIRST = 25;
const CONNECTION_ROOTS = new Set(['searchPersonalClients', 'myPersonalClients']);

const zero = (): ListingCost => ({ calls: 0, objects: 0, fields: 0 });
function addTo(into: ListingCost, cost: ListingCost, times = 1): void {
  into.calls += cost.calls * times;
  into.objects += cost.objects * times;
  into.fields += cost.fields * times;
}

export function measureListings(
  rootFields: Iterable<FieldNode>,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  vars: Record<string, unknown>,
): ListingCost {
  const memo = new Map<string, ListingCost>();
  const arg = (field: FieldNode, name: string): unknown => {
    const node = field.arguments?.find((a) => a.name.value === name);
    if (node === undefined) return undefined;
    try {
      return valueFromASTUntyped(node.value, vars);
    } catch {
      return undefined;
    }
  };

  /** A connection field: its calls and items, then its selection over that many items. */
  const connection = (field: FieldNode): ListingCost => {
    const requested = arg(field, 'first');
    // An unreadable or out-of-range `first` is refused by the resolver; counted at the most it could be.
    const first = requested === undefined ? DEFAULT_FIRST : typeof requested === 'number' ? Math.min(MAX_FIRST, Math.max(1, requested)) : MAX_FIRST;
    const after = arg(field, 'after');
    const cost = { calls: after == null ? 1 : maxPagesPerWalk(first), objects: first, fields: 0 };
    if (field.selectionSet !== undefined) addTo(cost, walk(field.selectionSet, 'Connection', first));
    return cost;
  };

  /** The cost of `selectionSet` on one object of `shape` (a connection of `items`). */
  const walk = (selectionSet: SelectionSetNode, shape: Shape, items = 0): ListingCost => {
    const cost = zero();
    const narrowsAway = (type: string | undefined) => type !== undefined && ENTITY_SHAPES.has(type) && type !== shape;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!narrowsAway(selection.typeCondition?.name.value)) addTo(cost, walk(selection.selectionSet, shape, items));
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment === undefined || narrowsAway(fragment.typeCondition.name.value)) continue;
        const key = `${fragment.name.value}\u0000${shape}\u0000${items}`;
        let counted = memo.get(key);
        if (counted === undefined) {
          memo.set(key, zero()); // validation forbids cycles; this only guards the walk
          counted = walk(fragment.selectionSet, shape, items);
          memo.set(key, counted);
        }
        addTo(cost, counted);
        continue;
      }
      cost.fields += 1;
      const name = selection.name.value;
      const sub = selection.selectionSet;
      if (shape === 'User' && name === 'personalClients') addTo(cost, connection(selection));
      else if (sub === undefined) continue;
      else if (shape === 'PersonalClient' && name === 'user') addTo(cost, walk(sub, 'User'));
      else if (shape === 'Connection' && name === 'nodes') addTo(cost, walk(sub, 'PersonalClient'), items);
      else if (shape === 'Connection' && name === 'edges') addTo(cost, walk(sub, 'Edge'), items);
      else if (shape === 'Edge' && name === 'node') addTo(cost, walk(sub, 'PersonalClient'));
      else addTo(cost, walk(sub, 'Other'));
    }
    return cost;
  };

  const total = zero();
  for (const field of rootFields) {
    const name = field.name.value;
    const sub = field.selectionSet;
    if (CONNECTION_ROOTS.has(name)) addTo(total, connection(field));
    else if (sub === undefined) continue;
    else if (name === 'personalClient') addTo(total, walk(sub, 'PersonalClient'));
    else if (name === 'personalClients') addTo(total, walk(sub, 'PersonalClient'), listLength(arg(field, 'ids')));
    else if (name === '_entities') {
      const reps = asList(arg(field, 'representations'));
      const of = (type: string) => reps.filter((r) => (r as { __typename?: unknown } | null)?.__typename === type).length;
      addTo(total, walk(sub, 'User'), of('User'));
      addTo(total, walk(sub, 'PersonalClient'), of('PersonalClient'));
    }
  }
  return total;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function listLength(value: unknown): number {
  return asList(value).length;
}
