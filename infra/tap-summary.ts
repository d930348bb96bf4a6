// The closing line that CI reads, `N passed, M failed[, K skipped]`, derived from ava's TAP output.

export interface TestCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

/** Reads the counts from the TAP summary (`# pass N`, `# fail N`, `# skip N`), or counts result lines when there is none. */
export function countTapResults(tap: string): TestCounts {
  const summary = (name: string) => {
    const match = new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  };
  const pass = summary('pass');
  const fail = summary('fail');
  if (pass !== undefined && fail !== undefined) return { passed: pass, failed: fail, skipped: summary('skip') ?? 0 };
  const lines = tap.split('\n');
  return {
    passed: lines.filter((line) => /^ok \d+/.test(line) && !/# SKIP/i.test(line)).length,
    failed: lines.filter((line) => /^not ok \d+/.test(line)).length,
    skipped: lines.filter((line) => /^ok \d+.*# SKIP/i.test(line)).length,
  };
}

/** One plain line; a run that exited non-zero never closes with `0 failed` (a crashed worker, no test files, ...). */
export function closingLine(counts: TestCounts, exitCode: number): string {
  const failed = exitCode !== 0 && counts.failed === 0 ? 1 : counts.failed;
  return `${counts.passed} passed, ${failed} failed${counts.skipped > 0 ? `, ${counts.skipped} skipped` : ''}`;
}
