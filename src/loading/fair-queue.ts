/**
 * Callers past the tracked bound share this one lane: a flood of new names gets one turn between
 * them, never one each, and never more memory than the queue bound.
 */
export const OVERFLOW_LANE = '\u0000overflow';

export interface FairQueueOptions {
  /** Queued entries across every caller (UPSTREAM_MAX_QUEUE). */
  maxQueued: number;
  /**
   * Lanes at once, OVERFLOW_LANE included (UPSTREAM_MAX_CALLERS): the first maxCallers − 1 callers
   * with queued calls get their own, the rest share the overflow lane; 1 makes one queue for all,
   * first come first served.
   */
  maxCallers: number;
}

/** What `push` did: queued (perhaps pushing out another caller's newest entry), or refused. */
export type PushResult<T> = { queued: true; evicted?: T } | { queued: false };

/**
 * Round-robin over per-caller lanes (deficit-free fair queuing with equal weights): each turn takes
 * the oldest entry of the next caller with work, so a caller queueing 48 waits its turn beside one
 * queueing 2 instead of ahead of it. Lanes exist only while they hold entries. When the whole queue
 * is full, the caller holding the most gives up its newest entry to a caller holding fewer: the
 * bound falls on the flood first.
 */
export class FairQueue<T> {
  readonly #options: FairQueueOptions;
  /** Insertion order is the turn order: a served lane with more work moves to the back. */
  readonly #lanes = new Map<string, T[]>();
  #size = 0;

  constructor(options: FairQueueOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#size;
  }

  /** Lanes holding entries (the overflow lane counts as one). */
  get callers(): number {
    return this.#lanes.size;
  }

  /** The lane `caller`'s entries go to. */
  laneOf(caller: string): string {
    if (this.#lanes.has(caller)) return caller;
    const own = this.#lanes.size - (this.#lanes.has(OVERFLOW_LANE) ? 1 : 0);
    return own < this.#options.maxCallers - 1 ? caller : OVERFLOW_LANE;
  }

  push(caller: string, entry: T): PushResult<T> {
    const lane = this.laneOf(caller);
    const own = this.#lanes.get(lane)?.length ?? 0;
    let evicted: T | undefined;
    if (this.#size >= this.#options.maxQueued) {
      const longest = this.#longest();
      if (longest === undefined || longest[1].length <= own + 1) return { queued: false };
      evicted = longest[1].pop()!;
      this.#size -= 1;
      if (longest[1].length === 0) this.#lanes.delete(longest[0]);
    }
    const entries = this.#lanes.get(lane);
    if (entries === undefined) this.#lanes.set(lane, [entry]);
    else entries.push(entry);
    this.#size += 1;
    return evicted === undefined ? { queued: true } : { queued: true, evicted };
  }

  /** The next caller's oldest entry, in turn. */
  shift(): T | undefined {
    const first = this.#lanes.entries().next();
    if (first.done === true) return undefined;
    const [lane, entries] = first.value;
    const entry = entries.shift();
    this.#lanes.delete(lane);
    if (entries.length > 0) this.#lanes.set(lane, entries);
    this.#size -= 1;
    return entry;
  }

  /**
   * Entries served before one more from `caller`: its own lane, plus from every other lane at most
   * one per turn it waits (round-robin takes no more from a lane than from the caller's).
   */
  aheadOf(caller: string): number {
    const lane = this.laneOf(caller);
    const own = this.#lanes.get(lane)?.length ?? 0;
    let ahead = own;
    for (const [other, entries] of this.#lanes) {
      if (other !== lane) ahead += Math.min(entries.length, own + 1);
    }
    return ahead;
  }

  #longest(): [string, T[]] | undefined {
    let longest: [string, T[]] | undefined;
    for (const lane of this.#lanes) if (longest === undefined || lane[1].length > longest[1].length) longest = lane;
    return longest;
  }
}
