/** The run's results as a console table and as BENCHMARKS.md. */
import { cpus } from 'node:os';

export interface Row {
  scenario: string;
  /** What was measured: 'gateway' or a baseline, e.g. 'bare Yoga (a)'. */
  server: string;
  reqPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Upstream GETs the sandbox saw per GraphQL request. */
  getsPerRequest?: number;
  tokenPosts?: number;
  /** CPU time of the measured server's process per request, in µs. */
  cpuMicrosPerRequest?: number;
  /** Resident set size of the measured server's process, in MiB. */
  rssMiB?: number;
  /** e.g. '0.94× req/s of (a)'. */
  vsBaseline?: string;
}

export interface Check {
  scenario: string;
  target: string;
  measured: string;
  pass: boolean;
}

export interface ScenarioResult {
  name: string;
  rows: Row[];
  checks: Check[];
  notes: string[];
}

export const COLUMNS = [
  'scenario', 'server', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'GETs/req', 'token POSTs', 'RSS MiB', 'vs baseline',
] as const;

const num = (v: number | undefined, digits: number) => (v === undefined ? '' : v.toFixed(digits));

export function rowCells(row: Row): string[] {
  return [
    row.scenario,
    row.server,
    row.reqPerSec === undefined ? '' : Math.round(row.reqPerSec).toString(),
    num(row.p50Ms, 2),
    num(row.p99Ms, 2),
    num(row.cpuMicrosPerRequest, 0),
    row.getsPerRequest === undefined ? '' : row.getsPerRequest.toFixed(row.getsPerRequest >= 10 ? 0 : 3),
    row.tokenPosts === undefined ? '' : String(row.tokenPosts),
    num(row.rssMiB, 0),
    row.vsBaseline ?? '',
  ];
}

export function checkCells(check: Check): string[] {
  return [check.scenario, check.target, check.measured, check.pass ? 'PASS' : 'MISS'];
}

/** Fixed-width text for the console. */
export function textTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function markdownTable(header: readonly string[], rows: readonly string[][]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function consoleReport(results: readonly ScenarioResult[]): string {
  return [
    textTable(COLUMNS, results.flatMap((r) => r.rows.map(rowCells))),
    '',
    textTable(['scenario', 'target', 'measured', 'result'], results.flatMap((r) => r.checks.map(checkCells))),
    '',
    ...results.flatMap((r) => r.notes.map((n) => `- ${r.name}: ${n}`)),
  ].join('\n');
}

export interface Machine {
  cpuCount: number;
  cpuModel: string;
  node: string;
  date: string;
}

export function describeMachine(now = new Date()): Machine {
  const list = cpus();
  return { cpuCount: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown', node: process.version, date: now.toISOString() };
}

/** Where, when and how a run was made, as Markdown list items. */
export function runFacts(machine: Machine, command: string, settings: Record<string, string | number>): string[] {
  return [
    `- machine: ${machine.cpuCount} × ${machine.cpuModel}`,
    `- Node: ${machine.node}`,
    `- date: ${machine.date}`,
    `- command: \`${command}\``,
    `- settings: ${Object.entries(settings).map(([k, v]) => `${k}=${v}`).join(', ')}`,
  ];
}

export interface MarkdownInput {
  machine: Machine;
  command: string;
  settings: Record<string, string | number>;
  results: readonly ScenarioResult[];
  /** Free text about the run: load on the machine, anything odd. */
  remarks: string[];
}

export function markdownReport(input: MarkdownInput): string {
  const { machine, results } = input;
  const checks = results.flatMap((r) => r.checks);
  const passed = checks.filter((c) => c.pass).length;
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts). Every figure comes from one run in which the gateway and its',
    'baselines ran on the same machine, each server in its own Node process and the load generators in the',
    'harness process: autocannon (closed loop) for throughput, a constant-rate generator for cold latency.',
    'Throughput and latency figures are medians of interleaved rounds. Compare rows within this run, not',
    'absolute figures across machines: the ratios are the result.',
    '',
    ...runFacts(machine, input.command, input.settings),
    '',
    '## Results',
    '',
    markdownTable(COLUMNS, results.flatMap((r) => r.rows.map(rowCells))),
    '',
    `## Targets (${passed} of ${checks.length} met)`,
    '',
    markdownTable(['scenario', 'target', 'measured', 'result'], checks.map(checkCells)),
    '',
    '## Notes',
    '',
    '- CPU µs/req: user + system CPU time of the measured server\'s process per completed request',
    '  (the capacity ratio when the server is the bottleneck; less sensitive to other load than req/s).',
    '- RSS: of the measured server\'s process; every server process carries tsx\'s loader (~30 MiB) because',
    '  bench/child.ts is TypeScript, while the gateway\'s own modules are the compiled dist/.',
    ...results.flatMap((r) => r.notes.map((n) => `- ${r.name}: ${n}`)),
    ...input.remarks.map((r) => `- ${r}`),
    '',
  ].join('\n');
}
