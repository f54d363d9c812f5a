/** What a peer server (bench/peers/*) needs to reach C1, and what it hands back to bench/child.ts. */

export interface PeerUpstream {
  /** C1's origin: the bench's sandbox. */
  url: string;
  /** A valid bearer, obtained once by the harness (`issueToken`): peers do no token flow. */
  bearer: string;
}

export interface PeerServer {
  /** Origin; GraphQL is served at `/graphql` (Apollo's standalone server answers on any path). */
  url: string;
  close(): Promise<void>;
}
