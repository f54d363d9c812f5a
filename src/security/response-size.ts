import type { ExecutionResult } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** `extensions.reason` of a response refused for its size; the code is BAD_USER_INPUT. */
export const RESPONSE_SIZE_REASON = 'RESPONSE_SIZE_LIMIT_EXCEEDED';

/**
 * The last line of defence behind the operation limits: an execution result whose JSON would
 * exceed `maxBytes` is replaced by an error before it is serialised, so no limit that lets too
 * much through can turn into an out-of-memory. The size is estimated by a walk that stops as soon
 * as it passes the bound: a cached one-client answer costs about a microsecond.
 */
export function useResponseSizeLimit(maxBytes: number): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return; // no streams here; nothing to bound
          const data = (result as ExecutionResult).data;
          if (data == null || !exceeds(data, maxBytes)) return;
          setResult({
            errors: [
              createGraphQLError(`The response would be larger than ${maxBytes} bytes; ask for fewer objects or fields`, {
                extensions: { code: 'BAD_USER_INPUT', reason: RESPONSE_SIZE_REASON },
              }),
            ],
          });
        },
      };
    },
  };
}

/**
 * Whether `value` as JSON is longer than `limit` bytes, counted as JSON.stringify writes it
 * (strings as UTF-16 code units plus quotes, which undercounts only escapes and multi-byte
 * characters: close enough for a bound meant in megabytes).
 */
export function exceeds(value: unknown, limit: number): boolean {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 3; // quotes and a separator
    else if (v === null || typeof v !== 'object') size += 6; // true, false, null, numbers: short
    else if (Array.isArray(v)) {
      size += 2;
      for (const item of v) stack.push(item);
    } else {
      size += 2;
      for (const key in v) {
        size += key.length + 4;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
    if (size > limit) return true;
  }
  return false;
}
