/**
 * An exponentially weighted moving average: recent samples count most, so the figure follows C1
 * when it slows down or recovers, in constant memory.
 */
export class Ewma {
  readonly #weight: number;
  #value: number | undefined;

  /** `weight`: share of each new sample in the average, in (0, 1]. */
  constructor(weight: number) {
    this.#weight = weight;
  }

  add(sample: number): void {
    this.#value = this.#value === undefined ? sample : this.#value + this.#weight * (sample - this.#value);
  }

  /** The average so far; undefined until the first sample. */
  get value(): number | undefined {
    return this.#value;
  }
}
