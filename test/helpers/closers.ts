import { afterEach } from 'vitest';

/**
 * A list to push each started server's close onto: after every test of the file (or describe block
 * it is called in), the closes run in reverse start order, so a gateway closes before its upstream.
 */
export function closeAfterEach(): (() => Promise<void>)[] {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return closers;
}
