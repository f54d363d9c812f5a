/** `npm run soak:hostile`'s figures: targets, console text, and its own section of BENCHMARKS.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LoadResult } from '../load.js';
import { checkCells, markdownTable, runFacts, textTable, type Check, type Machine } from '../report.js';
import { describeCounts, type OutcomeTally } from './outcomes.js';
import { KILL_AFTER_MS, type Death, type Ending } from './watch.js';

export const SECTION_TITLE = '## Hostile load (`npm run soak:hostile`)';
const MIB = 1024 * 1024;

export interface HostileResult {
  command: string;
  settings: Record<string, string | number>;
  /** One line per request shape: what it is and its size. */
  shapes: string[];
  /** Per kind of hostile request (each amplification shape, the cold-id flood). */
  tallies: ReadonlyMap<string, OutcomeTally>;
  normal: LoadResult;
  normalOutcomes: ReadonlyMap<string, number>;
  /** Set when the gateway ended before the harness stopped it. */
  death?: Death | undefined;
  /** How the harness's SIGTERM at the end went. */
  ending: Ending;
  rssStart: number;
  rssPeak: number;
  /** At the end of the load window (last reading while alive). */
  rssEnd: number;
  timeline: { t: number; rss: number; gets: number }[];
  /** From the start of the load until the sandbox went quiet after it. */
  upstreamSeconds: number;
  gets: number;
  getsByStatus: Record<number, number>;
  tokenPosts: number;
  callerKeys: number;
  rate: number;
  burst: number;
  rssLimit: number;
  p99LimitMs: number;
  /** Error lines and stderr of the gateway (crash traces). */
  problems: string[];
}

/** How the gateway ended: during the run, on the harness's SIGTERM, or only on SIGKILL. */
function ending(r: HostileResult): string {
  const e = r.ending;
  if (r.death !== undefined) return `died ${r.death.atSeconds.toFixed(1)} s into the run: exit code ${r.death.code}, signal ${r.death.signal}`;
  if (e.killed) return `alive, but did not exit within ${KILL_AFTER_MS / 1000} s of SIGTERM: SIGKILL`;
  return `alive; on SIGTERM after the load: exit code ${e.code}${e.signal === null ? '' : `, signal ${e.signal} (crashed while draining)`}`;
}

/** Crash reports first: the FATAL line must not be cut off by V8's GC trace. */
function crashLines(problems: readonly string[]): string[] {
  const lines = problems.filter((p) => p.trim() !== '' && !/^<---.*--->$/.test(p.trim()));
  return [...lines.filter((p) => /FATAL|rror/.test(p)), ...lines.filter((p) => !/FATAL|rror/.test(p))].slice(0, 6);
}

export function hostileChecks(r: HostileResult): Check[] {
  const budget = r.callerKeys * (r.rate * r.upstreamSeconds + r.burst);
  const check = (target: string, measured: string, pass: boolean): Check => ({ scenario: 'hostile', target, measured, pass });
  return [
    check('gateway process alive, and exits 0 on SIGTERM after the load', ending(r), r.death === undefined && (r.ending.killed || r.ending.code === 0)),
    check(`RSS under ${r.rssLimit / MIB} MiB`, `peak ${(r.rssPeak / MIB).toFixed(0)} MiB`, r.rssPeak < r.rssLimit),
    check(
      `normal caller p99 under ${r.p99LimitMs} ms, no transport errors`,
      `${r.normal.requests === 0 ? 'no answers' : `p99 ${r.normal.p99Ms.toFixed(0)} ms of ${r.normal.requests} answers`}, ${r.normal.errors} transport errors`,
      r.normal.requests > 0 && r.normal.p99Ms < r.p99LimitMs && r.normal.errors === 0,
    ),
    check(
      `C1 GETs within ${r.callerKeys} × (${r.rate}/s × ${r.upstreamSeconds.toFixed(1)} s + ${r.burst})`,
      `${r.gets} of ${Math.floor(budget)}`,
      r.gets <= budget,
    ),
  ];
}

const SHAPE_HEADER = ['requests', 'count', 'outcomes', 'mean KiB out', 'max KiB out', 'p50 ms', 'max ms'];

function shapeRows(tallies: ReadonlyMap<string, OutcomeTally>): string[][] {
  return [...tallies].map(([kind, t]) => [
    kind,
    String(t.count),
    t.describe(),
    (t.bytesOut / Math.max(1, t.count) / 1024).toFixed(0),
    (t.maxBytesOut / 1024).toFixed(0),
    t.latency(0.5).toFixed(0),
    t.latency(1).toFixed(0),
  ]);
}

function factLines(r: HostileResult): string[] {
  const mib = (bytes: number) => (bytes / MIB).toFixed(0);
  return [
    ...r.shapes,
    `gateway: ${ending(r)}`,
    `RSS: ${mib(r.rssStart)} MiB at the start, peak ${mib(r.rssPeak)} MiB, ${mib(r.rssEnd)} MiB at the end of the load`,
    `timeline (s: RSS MiB, C1 GETs/s): ${r.timeline.map((p, i) => `${p.t.toFixed(0)}: ${mib(p.rss)}, ${((p.gets - (r.timeline[i - 1]?.gets ?? 0)) / Math.max(0.001, p.t - (r.timeline[i - 1]?.t ?? 0))).toFixed(0)}`).join(' | ')}`,
    `normal caller: ${r.normal.requests} answers, p50 ${r.normal.p50Ms.toFixed(0)} ms, p99 ${r.normal.p99Ms.toFixed(0)} ms, max ${r.normal.maxMs.toFixed(0)} ms; ` +
      `${r.normal.errors} transport errors; ${describeCounts(r.normalOutcomes)}`,
    `C1: ${r.gets} GETs in ${r.upstreamSeconds.toFixed(1)} s = ${(r.gets / r.upstreamSeconds).toFixed(0)}/s ` +
      `(budget ${r.callerKeys} caller keys × ${r.rate}/s = ${r.callerKeys * r.rate}/s, + ${r.burst} burst each); ` +
      `by status ${Object.entries(r.getsByStatus).map(([s, n]) => `${s}: ${n}`).join(', ') || 'none'}; token POSTs ${r.tokenPosts}`,
    ...crashLines(r.problems).map((p) => `gateway said: ${p}`),
  ];
}

export function consoleText(r: HostileResult): string {
  return [
    `soak:hostile: ${r.command}; ${Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    ...factLines(r).map((l) => `  ${l}`),
    '',
    textTable(SHAPE_HEADER, shapeRows(r.tallies)),
    '',
    textTable(['scenario', 'target', 'measured', 'result'], hostileChecks(r).map(checkCells)),
  ].join('\n');
}

export function markdownSection(r: HostileResult, machine: Machine): string {
  return [
    SECTION_TITLE,
    '',
    'The built gateway (`npm start` command: node with its flags, NODE_ENV=production, default settings) against an in-process',
    'sandbox, while amplification callers and a cold-id flood (from 127.0.0.1) run beside a normal caller',
    '(from 127.0.0.2, a constant rate, latency counted from when each request was due). Issue 12.',
    '',
    ...runFacts(machine, r.command, r.settings),
    '',
    markdownTable(['scenario', 'target', 'measured', 'result'], hostileChecks(r).map(checkCells)),
    '',
    markdownTable(SHAPE_HEADER, shapeRows(r.tallies)),
    '',
    '```',
    ...factLines(r),
    '```',
  ].join('\n');
}

/** Puts the section into the file in place of its previous version (or at the end); other sections stay. */
/** The section as it stands in `path` (title to the next section), or '' when there is none. */
export function readSection(path: string): string {
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = old.indexOf(SECTION_TITLE);
  if (start < 0) return '';
  const next = old.indexOf('\n## ', start + SECTION_TITLE.length);
  return (next < 0 ? old.slice(start) : old.slice(start, next + 1)).trimEnd();
}

export function writeSection(path: string, section: string): void {
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = old.indexOf(SECTION_TITLE);
  const before = (start < 0 ? old : old.slice(0, start)).trimEnd();
  const next = start < 0 ? -1 : old.indexOf('\n## ', start + SECTION_TITLE.length);
  const after = next < 0 ? '' : `\n${old.slice(next + 1)}`;
  writeFileSync(path, `${before === '' ? '' : `${before}\n\n`}${section.trimEnd()}\n${after}`);
}
