/**
 * Label values chosen by callers (operation names) would let anyone create unbounded series in
 * Prometheus. This admits a value only if it looks like a GraphQL name and is one of the first
 * `maxValues` distinct values seen; everything else shares the label `other`.
 */
export interface BoundedLabelsOptions {
  /** @default 100 — distinct values kept before new ones become `other`. */
  maxValues?: number;
  /** @default /^[A-Za-z_][A-Za-z0-9_]{0,63}$/ — a GraphQL name of at most 64 characters. */
  pattern?: RegExp;
}

export const OTHER_LABEL = 'other';

export class BoundedLabels {
  readonly #seen = new Set<string>();
  readonly #max: number;
  readonly #pattern: RegExp;

  constructor(options: BoundedLabelsOptions = {}) {
    this.#max = options.maxValues ?? 100;
    this.#pattern = options.pattern ?? /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
  }

  /** `value` itself while it is admitted, else `other`. */
  label(value: string): string {
    if (this.#seen.has(value)) return value;
    if (!this.#pattern.test(value) || this.#seen.size >= this.#max) return OTHER_LABEL;
    this.#seen.add(value);
    return value;
  }
}
