/**
 * `createSandbox()`: the fake C1 as a real node:http server (keep-alive on), plus the knobs tests
 * and benchmarks turn. Building it does no I/O; `listen()` binds, `close()` frees everything.
 */
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';
import type { PersonalClient } from '../domain/personal-client.js';
import type { ApiContext } from './api.js';
import { clientIdHost, credentialFromSecret, mintCredential } from './credentials.js';
import type { ClientCredential } from './credentials.js';
import { createRouter } from './router.js';
import { ADMIN_USER_ID, NULL_CLIENT_ID, seedClients } from './seed.js';
import { createStats, RequestLog, resetStats } from './stats.js';
import type { RecordedRequest, SandboxStats } from './stats.js';
import { DEFAULT_TOKEN_TTL_SECONDS } from './token-endpoint.js';
import type { TokenEndpointContext } from './token-endpoint.js';
import { TokenStore } from './tokens.js';
import type { Principal } from './tokens.js';

export interface SandboxOptions {
  /** `expires_in` of issued tokens (s); null omits it from the response. @default 3600 */
  tokenTtlSeconds?: number | null;
  /** Artificial latency before answering each personal-client GET (ms), for benchmarks. @default 0 */
  latencyMs?: number;
  /** Extra accepted `aud` values besides localhost, 127.0.0.1, ::1 and `clientHost`. @default [] */
  audiences?: string[];
  /** Host inside minted and seeded client ids. @default the admin credential's host, else 'localhost' */
  clientHost?: string;
  /** @default Date.now */
  clock?: Clock;
  /** A fixed admin credential (e.g. from docker-compose). @default a freshly minted one */
  adminCredential?: ClientCredential;
}

export interface Sandbox {
  /** Binds and resolves the base URL, e.g. `http://127.0.0.1:54321`. @default port 0, host 127.0.0.1 */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops listening and drops idle and active connections. */
  close(): Promise<void>;
  /** The base URL; throws before `listen()` has resolved. */
  readonly url: string;
  /** The admin credential: it sees every client, and List shows it `ADMIN_USER_ID`'s own. */
  readonly credentials: ClientCredential;
  /** Mints a credential that sees only the clients owned by `userId`. */
  registerUser(userId: string): ClientCredential;
  /** A valid bearer for a registered client id, without the token endpoint (and without counting). */
  issueToken(clientId: string, ttlSeconds?: number): string;
  /** The seed plus whatever `addClient` added. */
  readonly clients: readonly PersonalClient[];
  /** Adds (or replaces, by id) a client; ids may hold any character. */
  addClient(client: PersonalClient): void;
  /** Live counters; the same object across `resetStats()`. */
  readonly stats: Readonly<SandboxStats>;
  /** Zeroes the counters and empties the request log. */
  resetStats(): void;
  setLatency(ms: number): void;
  setTokenTtl(seconds: number | null): void;
  /** Forgets every issued token, so the next API call with one gets 401. */
  revokeAllTokens(): void;
  /** The last requests (bounded), oldest first. */
  readonly requests: readonly RecordedRequest[];
}

const DEFAULT_AUDIENCES = ['localhost', '127.0.0.1', '::1'];

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = options.clock ?? Date.now;
  // With a fixed credential the sandbox plays the tenant its client id names (its `aud`, too).
  const fixedHost = options.adminCredential ? clientIdHost(options.adminCredential.clientId) : undefined;
  const clientHost = (options.clientHost ?? fixedHost ?? 'localhost').toLowerCase();
  let tokenTtl = options.tokenTtlSeconds === undefined ? DEFAULT_TOKEN_TTL_SECONDS : options.tokenTtlSeconds;
  let latency = options.latencyMs ?? 0;

  const credentials = new Map<string, { publicKey: KeyObject; principal: Principal }>();
  const register = (c: { clientId: string; clientSecret: string; publicKey: KeyObject }, principal: Principal): ClientCredential => {
    credentials.set(c.clientId, { publicKey: c.publicKey, principal });
    return { clientId: c.clientId, clientSecret: c.clientSecret };
  };
  const admin = register(
    options.adminCredential
      ? credentialFromSecret(options.adminCredential.clientId, options.adminCredential.clientSecret)
      : mintCredential(clientHost),
    'admin',
  );

  const clients = new Map(seedClients(clientHost).map((c) => [c.id ?? '', c]));
  const tokens = new TokenStore(clock);
  const stats = createStats();
  const log = new RequestLog();
  const closing = new AbortController();
  // Every delayed GET (benchmark latency) listens on it: no listener cap.
  setMaxListeners(0, closing.signal);

  const tokenCtx: TokenEndpointContext = {
    clock,
    audiences: new Set([...DEFAULT_AUDIENCES, clientHost, ...(options.audiences ?? [])]),
    tokens,
    findCredential: (clientId) => credentials.get(clientId),
    tokenTtlSeconds: () => tokenTtl,
  };
  const apiCtx: ApiContext = {
    tokens,
    findClient: (id) => clients.get(id) ?? (id === NULL_CLIENT_ID ? null : undefined),
    allClients: () => [...clients.values()],
    adminUserId: ADMIN_USER_ID,
    latencyMs: () => latency,
    closing: closing.signal,
  };

  // HTTP/1.1 keep-alive is node:http's default; pooled clients reuse connections as with C1.
  const server = createServer(createRouter({ token: tokenCtx, api: apiCtx, stats, log }));
  let url: string | undefined;

  return {
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          url = `http://${hostPart}:${address.port}`;
          resolve(url);
        });
      });
    },
    close() {
      closing.abort();
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
    get url() {
      if (url === undefined) throw new Error('sandbox is not listening yet: await listen() first');
      return url;
    },
    credentials: admin,
    registerUser: (userId) => register(mintCredential(clientHost), { userId }),
    issueToken(clientId, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS) {
      const credential = credentials.get(clientId);
      if (credential === undefined) throw new Error(`issueToken: ${clientId} is not a registered client id`);
      return tokens.issue(clientId, credential.principal, ttlSeconds * 1000);
    },
    get clients() {
      return [...clients.values()];
    },
    addClient(client) {
      if (client.id === null) throw new Error('addClient: a client needs an id');
      clients.set(client.id, client);
    },
    stats,
    resetStats() {
      resetStats(stats);
      log.clear();
    },
    setLatency: (ms) => void (latency = ms),
    setTokenTtl: (seconds) => void (tokenTtl = seconds),
    revokeAllTokens: () => tokens.revokeAll(),
    get requests() {
      return log.entries;
    },
  };
}
