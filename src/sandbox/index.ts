/** The embedded fake C1: what `npm start` (without credentials), tests and benchmarks talk to. */
export { createSandbox } from './server.js';
export type { Sandbox, SandboxOptions } from './server.js';
export type { SandboxStats, RecordedRequest } from './stats.js';
export { LIST_PATH, PAGE_SIZE, SEARCH_PATH } from './pages.js';
export { credentialFromSecret, mintCredential } from './credentials.js';
export type { ClientCredential, RegisteredCredential } from './credentials.js';
export {
  seedClients,
  SEED_USER_IDS,
  ADMIN_USER_ID,
  SEED_ROLE_IDS,
  SAMPLE_CLIENT_ID,
  EXPIRED_CLIENT_ID,
  DELETED_CLIENT_ID,
  NULL_CLIENT_ID,
  MISSING_CLIENT_ID,
} from './seed.js';
