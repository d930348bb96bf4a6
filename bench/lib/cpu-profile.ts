// Summarises V8 .cpuprofile files (node --cpu-prof) as markdown: where the processes spent their
// samples within a time window, by function (self time), by source file (self time) and by
// function including callees, so a benchmark can say what limits it.

import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame { readonly functionName: string; readonly url: string; readonly lineNumber: number }
interface ProfileNode { readonly id: number; readonly callFrame: CallFrame; readonly children?: readonly number[] }
interface CpuProfile { readonly nodes: readonly ProfileNode[]; readonly startTime: number; readonly samples: readonly number[]; readonly timeDeltas: readonly number[] }

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Microseconds on the clock V8 stamps samples with (CLOCK_MONOTONIC, as process.hrtime). */
export function profileClockMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function fileOf(frame: CallFrame): string {
  if (frame.url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  const local = path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path;
  return local.replace(/^.*node_modules\//, 'node_modules/');
}

function functionOf(frame: CallFrame): string {
  const file = fileOf(frame);
  if (frame.url === '') return file === '(native)' ? `${frame.functionName || '(anonymous)'} (native)` : file;
  return `${frame.functionName || '(anonymous)'} ${file}`;
}

const isProjectFunction = (key: string): boolean =>
  !key.startsWith('(') && !key.endsWith('(native)') && !key.includes('node:') && !key.includes('node_modules/');

interface Tally { self: Map<string, number>; selfByFile: Map<string, number>; total: Map<string, number>; samples: number; idle: number }

const emptyTally = (): Tally => ({ self: new Map(), selfByFile: new Map(), total: new Map(), samples: 0, idle: 0 });

function add(map: Map<string, number>, key: string, count: number): void {
  map.set(key, (map.get(key) ?? 0) + count);
}

function tallyProfile(profile: CpuProfile, tally: Tally, window: { readonly from: number; readonly to: number } | undefined): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    if (window !== undefined && (time < window.from || time > window.to)) continue;
    const node = byId.get(profile.samples[i]!);
    if (node === undefined) continue;
    tally.samples++;
    if (node.callFrame.functionName === '(idle)') {
      tally.idle++;
      continue;
    }
    add(tally.self, functionOf(node.callFrame), 1);
    add(tally.selfByFile, fileOf(node.callFrame), 1);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame === undefined || frame.functionName === '(root)') continue;
      const name = functionOf(frame);
      if (!seen.has(name)) {
        seen.add(name);
        add(tally.total, name, 1);
      }
    }
  }
}

function top(map: Map<string, number>, busy: number, count: number, filter: (key: string) => boolean = () => true): string[] {
  return [...map].filter(([key]) => filter(key)).sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([key, n]) => `| ${(n / busy * 100).toFixed(1)}% | \`${key}\` |`);
}

function merge(into: Tally, from: Tally): void {
  for (const key of ['self', 'selfByFile', 'total'] as const) for (const [name, n] of from[key]) add(into[key], name, n);
  into.samples += from.samples;
  into.idle += from.idle;
}

/** Node names profiles CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main one. */
function isMainThread(file: string): boolean {
  return /\.\d+\.0\.\d+\.cpuprofile$/.test(file);
}

/**
 * Markdown tables of the samples of every profile in `files` taken between window.from and
 * window.to (profileClockMicros). Profiles without a sample in this project's code in the window
 * (the module loader's thread that tsx runs) are left out. Shares are of the busy (not idle) samples.
 */
export async function summariseProfiles(files: readonly string[], window?: { readonly from: number; readonly to: number }): Promise<string> {
  const all = emptyTally();
  const perProcess: string[] = [];
  for (const file of files) {
    const tally = emptyTally();
    tallyProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, tally, window);
    if (!isMainThread(file)) continue;
    merge(all, tally);
    perProcess.push(`${((tally.samples - tally.idle) / Math.max(1, tally.samples) * 100).toFixed(0)}%`);
  }
  const busy = all.samples - all.idle;
  if (busy === 0) return `## CPU profile\n\nNo busy samples in the window (${files.length} profiles).`;
  return [
    '## CPU profile of the replica servers under the write workload',
    '',
    `${perProcess.length} replica server profiles (\`node --cpu-prof\`) over the load and updates-only phases: ${all.samples.toLocaleString('en-US')} samples, ` +
      `busy (not idle) ${perProcess.join(', ')} of the time. Shares below are of the busy samples of all three.`,
    '',
    '### Self time by function', '', '| share | function |', '|---|---|',
    ...top(all.self, busy, 25),
    '',
    '### Self time by file', '', '| share | file |', '|---|---|',
    ...top(all.selfByFile, busy, 20),
    '',
    '### Time including callees, functions of this project', '', '| share | function |', '|---|---|',
    ...top(all.total, busy, 30, isProjectFunction),
  ].join('\n');
}
