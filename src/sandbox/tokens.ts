/** Opaque bearer tokens the sandbox has issued, with who they belong to and when they die. */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';

/** Who a credential acts as: the tenant admin sees every client, a user only their own. */
export type Principal = 'admin' | { userId: string };

export interface IssuedToken {
  clientId: string;
  principal: Principal;
  expiresAt: number; // ms since the epoch, by the sandbox clock
}

/** Bound on live tokens; the oldest is dropped first, as if it had expired early. */
export const MAX_TOKENS = 10_000;

export class TokenStore {
  readonly #tokens = new Map<string, IssuedToken>();

  constructor(
    private readonly clock: Clock,
    private readonly maxTokens = MAX_TOKENS,
  ) {}

  /** Issues a random opaque token valid for `ttlMs` (0 = already expired, useful in tests). */
  issue(clientId: string, principal: Principal, ttlMs: number): string {
    const token = randomBytes(32).toString('base64url');
    while (this.#tokens.size >= this.maxTokens) {
      const oldest = this.#tokens.keys().next();
      if (oldest.done === true) break;
      this.#tokens.delete(oldest.value);
    }
    this.#tokens.set(token, { clientId, principal, expiresAt: this.clock() + ttlMs });
    return token;
  }

  /** The token's record if it is known and not yet expired; expired ones are forgotten. */
  lookup(token: string): IssuedToken | undefined {
    const issued = this.#tokens.get(token);
    if (issued === undefined) return undefined;
    if (this.clock() >= issued.expiresAt) {
      this.#tokens.delete(token);
      return undefined;
    }
    return issued;
  }

  revokeAll(): void {
    this.#tokens.clear();
  }
}
