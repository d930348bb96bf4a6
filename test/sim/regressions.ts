// The regressions file: every seed that ever failed, with what it found. `open` means the bug it
// found is not fixed yet (the test suite expects it to fail); `fixed` seeds must pass forever.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Regression {
  readonly seed: number;
  readonly status: 'open' | 'fixed';
  readonly found: string;
  readonly violation: string;
  /** A short name for the bug the seed shows, shared by seeds with the same cause (see README.md). */
  readonly issue?: string;
  /** Where the fix landed, once it did. */
  readonly fixed?: string;
  /** Set for seeds that only fail with a deliberately injected bug. */
  readonly bug?: string;
}

export const REGRESSIONS_PATH = fileURLToPath(new URL('./regressions.json', import.meta.url));

export function loadRegressions(path = REGRESSIONS_PATH): Regression[] {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Regression[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Adds a failing seed unless it is listed already; returns whether it was new. */
export function recordRegression(entry: Regression, path = REGRESSIONS_PATH): boolean {
  const all = loadRegressions(path);
  if (all.some((r) => r.seed === entry.seed && (r.bug ?? 'none') === (entry.bug ?? 'none'))) return false;
  all.push(entry);
  writeFileSync(path, `${JSON.stringify(all, null, 2)}\n`);
  return true;
}
