/** What the soak accepts as an answer: data, or errors that each carry one of the documented codes. */

/** The README's error codes, minus INTERNAL_SERVER_ERROR: a masked error means a bug, not a fault. */
export const TYPED_CODES = new Set([
  'BAD_USER_INPUT',
  'UPSTREAM_UNAUTHENTICATED',
  'UPSTREAM_FORBIDDEN',
  'UPSTREAM_RATE_LIMITED',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_BAD_RESPONSE',
  'OVERLOADED',
]);

export type Verdict = 'data' | 'typed-error' | 'untyped';

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: unknown } }[];
}

/** Classifies one HTTP response; `codes` lists every error code seen in it. */
export function classify(status: number, text: string): { verdict: Verdict; codes: string[] } {
  let body: Body;
  try {
    body = JSON.parse(text) as Body;
  } catch {
    return { verdict: 'untyped', codes: [`HTTP ${status} non-JSON`] };
  }
  const codes = (body.errors ?? []).map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'NO_CODE'));
  if (codes.length === 0) {
    const ok = status === 200 && body.data != null;
    return { verdict: ok ? 'data' : 'untyped', codes: ok ? [] : [`HTTP ${status} without data`] };
  }
  return { verdict: codes.every((c) => TYPED_CODES.has(c)) ? 'typed-error' : 'untyped', codes };
}
