import { readFileSync } from 'node:fs';

/**
 * The Node flags `npm start` (and the image's CMD, which test/ops/container.test.ts holds equal)
 * runs the gateway with: the bench and the hostile soak measure what production runs.
 */
export function productionNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(' ').filter((word) => word.startsWith('--'));
}
