/**
 * `npm run sandbox`: runs the fake C1 on its own and prints what a gateway needs to talk to it.
 * The only sandbox module that reads process.env; every bad variable is named at once.
 */
import { createSandbox } from './server.js';
import type { SandboxOptions } from './server.js';
import { EXPIRED_CLIENT_ID, NULL_CLIENT_ID, SAMPLE_CLIENT_ID } from './seed.js';

interface MainConfig {
  port: number;
  host: string;
  options: SandboxOptions;
}

function readConfig(env: NodeJS.ProcessEnv): MainConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > max) {
      problems.push(`${name} must be an integer from 0 to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };

  const port = int('SANDBOX_PORT', 4010, 65_535);
  const latencyMs = int('SANDBOX_LATENCY_MS', 0, 60_000);
  // Empty or unset keeps the default; "none" omits expires_in, as some token servers do.
  const ttlRaw = env['SANDBOX_TOKEN_TTL_SECONDS'];
  const tokenTtlSeconds = ttlRaw === 'none' ? null : int('SANDBOX_TOKEN_TTL_SECONDS', 3600, 86_400);
  const audiences = (env['SANDBOX_AUDIENCES'] ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
  const clientId = env['SANDBOX_CLIENT_ID'] ?? '';
  const clientSecret = env['SANDBOX_CLIENT_SECRET'] ?? '';
  if ((clientId === '') !== (clientSecret === '')) {
    problems.push('SANDBOX_CLIENT_ID and SANDBOX_CLIENT_SECRET must be set together');
  }
  if (problems.length > 0) throw new Error(`invalid sandbox environment:\n  ${problems.join('\n  ')}`);

  return {
    port,
    host: env['SANDBOX_HOST'] || '127.0.0.1',
    options: {
      tokenTtlSeconds,
      latencyMs,
      audiences,
      ...(clientId === '' ? {} : { adminCredential: { clientId, clientSecret } }),
    },
  };
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const sandbox = createSandbox(config.options);
  const url = await sandbox.listen(config.port, config.host);
  const { clientId, clientSecret } = sandbox.credentials;

  console.log(`C1 sandbox listening on ${url}`);
  console.log('\nPoint the gateway at it (a fake key: printing it is the point):\n');
  console.log(`C1_API_URL=${url} C1_CLIENT_ID=${clientId} C1_CLIENT_SECRET=${clientSecret}`);
  console.log('\nExample personal client ids:');
  console.log(`  ${SAMPLE_CLIENT_ID}  an active client`);
  console.log(`  ${EXPIRED_CLIENT_ID}  an expired client`);
  console.log(`  ${NULL_CLIENT_ID}  answers 200 {"client": null}`);

  const stop = (signal: NodeJS.Signals): void => {
    console.log(`\n${signal}: closing the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
