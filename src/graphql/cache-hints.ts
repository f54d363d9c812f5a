import { Kind, visit, type ArgumentNode, type DirectiveNode, type DocumentNode } from 'graphql';

/** What the `@cacheControl` hints in the SDL must say, from config, so they agree with the header. */
export interface CacheHints {
  /** The lifetime of a value read by id, in whole seconds (CACHE_TTL_MS rounded down, as the header's max-age). */
  valueMaxAgeSeconds: number;
  /** 'private' in forward mode: every answer is the caller's own, as the header's scope says. */
  scope: 'public' | 'private';
}

const DIRECTIVE = 'cacheControl';

/**
 * Rewrites each `@cacheControl` in the SDL to the configured lifetime and scope. The file holds a
 * placeholder lifetime because TTL and auth mode are config: a `maxAge: 0` (never kept: listings)
 * stays 0, any other `maxAge` becomes `valueMaxAgeSeconds`, and in forward mode every hint gets
 * `scope: PRIVATE`. Done on the parsed document, before the subgraph schema is built, so the
 * `_service { sdl }` a router composes says what this process serves.
 */
export function applyCacheHints(document: DocumentNode, hints: CacheHints): DocumentNode {
  return visit(document, {
    // Only applications: the directive's definition has no arguments to rewrite.
    Directive(node) {
      return node.name.value === DIRECTIVE ? rewrite(node, hints) : undefined;
    },
  });
}

function rewrite(node: DirectiveNode, hints: CacheHints): DirectiveNode {
  const args = (node.arguments ?? []).map((a) => (a.name.value === 'maxAge' && !isZero(a) ? intArgument('maxAge', hints.valueMaxAgeSeconds) : a));
  // A hint written PRIVATE stays so in service mode; forward mode makes every hint PRIVATE.
  if (hints.scope === 'public') return { ...node, arguments: args };
  return { ...node, arguments: [...args.filter((a) => a.name.value !== 'scope'), enumArgument('scope', 'PRIVATE')] };
}

function isZero(argument: ArgumentNode): boolean {
  return argument.value.kind === Kind.INT && Number(argument.value.value) === 0;
}

function intArgument(name: string, value: number): ArgumentNode {
  return { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: name }, value: { kind: Kind.INT, value: String(value) } };
}

function enumArgument(name: string, value: string): ArgumentNode {
  return { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: name }, value: { kind: Kind.ENUM, value } };
}
