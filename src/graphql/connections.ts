/**
 * Relay connections over C1's paging: `first` checked, `after` opened, and a slice of C1's pages
 * turned into edges whose cursors say where in which C1 page the next slice starts. Forward only, as
 * C1 pages are: `hasPreviousPage` is always false, as the Relay spec allows.
 */
import { GatewayError } from '../kernel/errors.js';
import type { PersonalClient } from '../domain/personal-client.js';
import type { PagePosition, Slice } from '../loading/personal-client-pages.js';
import type { CursorCodec, CursorScope } from './cursor.js';

/** @default 100 — largest `first`: C1's largest page, so a first page is always one C1 call. */
export const MAX_FIRST = 100;

/** The connection arguments as resolvers receive them (`first` defaults to 25 in the SDL). */
export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
}

/** `first`, or BAD_USER_INPUT (before any upstream call) when it is not 1..MAX_FIRST. */
export function checkFirst(first: number | null | undefined): number {
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > MAX_FIRST) {
    throw new GatewayError('BAD_USER_INPUT', `first must be between 1 and ${MAX_FIRST}`, { outcome: 'badInput' });
  }
  return first;
}

/** Where to continue: undefined for the start, else the cursor's position (BAD_USER_INPUT if it is not one of ours for `scope`). */
export function openAfter(after: string | null | undefined, scope: CursorScope, codec: CursorCodec): PagePosition | undefined {
  return after == null ? undefined : codec.decode(after, scope);
}

export interface Edge {
  cursor: string;
  node: PersonalClient;
}

/**
 * One page of a connection. Cursors are sealed only when asked for, each once (so `endCursor` is
 * the last edge's cursor): a `nodes { … }` query pays for no encryption, `pageInfo` alone for two.
 */
export class Connection {
  readonly nodes: PersonalClient[];
  readonly #cursors: (string | undefined)[] = [];

  constructor(
    private readonly slice: Slice,
    private readonly scope: CursorScope,
    private readonly codec: CursorCodec,
  ) {
    this.nodes = slice.items.map((item) => item.node);
  }

  get edges(): Edge[] {
    return this.slice.items.map((item, i) => ({ cursor: this.#cursorAt(i) ?? '', node: item.node }));
  }

  get pageInfo() {
    const last = this.slice.items.length - 1;
    return {
      hasNextPage: this.slice.hasNextPage,
      hasPreviousPage: false,
      startCursor: this.#cursorAt(0) ?? null,
      endCursor: this.#cursorAt(last) ?? null,
    };
  }

  #cursorAt(index: number): string | undefined {
    const item = this.slice.items[index];
    if (item === undefined) return undefined;
    this.#cursors[index] ??= this.codec.encode(item.after, this.scope);
    return this.#cursors[index];
  }
}
