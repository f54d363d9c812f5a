import { readFileSync } from 'node:fs';

/**
 * How many files this process may have open (the soft limit, which Node raises to the hard one at
 * start), from `/proc/self/limits`; undefined where there is no such file (not Linux) or no limit.
 */
export function openFilesLimit(readLimits: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string;
  try {
    text = readLimits();
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  const limit = Number(soft);
  return Number.isSafeInteger(limit) && limit > 0 ? limit : undefined;
}
