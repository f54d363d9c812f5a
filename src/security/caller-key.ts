import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

/** What is known about who sent a request, strongest first (see `callerKey`). */
export interface CallerFacts {
  /** `sub` of a caller JWT that verified against our JWKS. */
  jwtSubject?: string | undefined;
  /** Forward mode: the hash of the caller's C1 token (the cache partition). */
  forwardPartition?: string | undefined;
  /** Whether the request carried the right router secret (only then is a client name trusted). */
  routerAuthenticated: boolean;
  /** The `apollographql-client-name` header as sent. */
  clientName?: string | null | undefined;
  /** The peer's address as the socket reports it. */
  address?: string | undefined;
}

/** Client names accepted as a budget key: what routers send; anything else falls through to the address. */
const CLIENT_NAME = /^[\w.@:/-]{1,64}$/;
/** Subjects longer than this are hashed, so one key stays small in the bucket map. */
const MAX_SUBJECT_CHARS = 128;

/**
 * Whose upstream budget a request spends: the verified JWT subject, else the forwarded C1 token's
 * hash, else the client name (only when the router secret vouched for the request: otherwise a caller
 * could rotate a self-chosen name to get a fresh budget each time), else the peer address.
 */
export function callerKey(facts: CallerFacts): string {
  const sub = facts.jwtSubject;
  if (sub !== undefined && sub !== '') return `jwt:${sub.length <= MAX_SUBJECT_CHARS ? sub : sha256(sub)}`;
  if (facts.forwardPartition !== undefined) return `fwd:${facts.forwardPartition}`;
  const name = facts.clientName;
  if (facts.routerAuthenticated && name != null && CLIENT_NAME.test(name)) return `client:${name}`;
  return `addr:${addressKey(facts.address)}`;
}

/**
 * IPv4 as is (also when IPv4-mapped); IPv6 by its /64, which is what one host is usually given:
 * keying by the full address would let it draw a fresh budget from each of its 2^64 addresses.
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIP(address) !== 6) return isIP(address) === 4 ? address : 'unknown';
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? [''];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0); // a.b.c.d tail
  const zeros = Array.from({ length: Math.max(0, 8 - width(left) - width(right)) }, () => '0');
  return [...left, ...zeros, ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerOf(authorization: string | null): string | undefined {
  return BEARER.exec(authorization ?? '')?.[1];
}

/** Forward mode's cache partition and caller key: the SHA-256 of the caller's C1 token, never the token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function sha256(value: string): string {
  return `sha256-${createHash('sha256').update(value).digest('base64url')}`;
}
