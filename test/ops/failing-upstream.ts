import type { Sandbox } from '../../src/sandbox/index.js';
import { startScriptedServer, type ScriptedServer } from '../helpers/scripted-server.js';

const FORWARDED = ['accept', 'authorization', 'content-type', 'x-request-id'];

/**
 * A scripted C1 in front of a real sandbox: the real token flow and real data, except that GETs for
 * `failingIds` answer 503. Every request (headers and bodies) is recorded on the returned server.
 */
export function startFailingUpstream(sandbox: Sandbox, failingIds: readonly string[]): Promise<ScriptedServer> {
  const failing = new Set(failingIds.map((id) => `/api/v1/iam/personal_clients/${encodeURIComponent(id)}`));
  return startScriptedServer(async (request) => {
    if (failing.has(request.path)) return { status: 503, body: { code: 14, message: 'unavailable', details: [] } };
    const headers = Object.fromEntries(
      FORWARDED.flatMap((name) => {
        const value = request.headers[name];
        return typeof value === 'string' ? [[name, value]] : [];
      }),
    );
    const response = await fetch(new URL(request.path, sandbox.url), {
      method: request.method,
      headers,
      ...(request.method === 'GET' ? {} : { body: request.body }),
    });
    return {
      status: response.status,
      headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' },
      body: await response.text(),
    };
  });
}
