import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname } from 'node:path';

/** One measured figure, printed beside its baseline. */
export interface Figure {
  /** `1a`, `2`, ... as in docs/benchmarks.md. */
  id: string;
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value, when there is a baseline. */
  ratio?: number;
  /** A target and whether it was met: `PASS` or `MISS` in the table. */
  target?: { description: string; met: boolean };
  /** Everything else measured for this figure (counts, durations, settings). */
  details?: Record<string, unknown>;
}

export function figure(f: Omit<Figure, 'ratio'>): Figure {
  const ratio = f.baseline && f.baseline.value > 0 ? f.value / f.baseline.value : undefined;
  return { ...f, ratio };
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${release()} ${process.arch}`,
    loadAverageAtStart: loadavg().map(round2),
  };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (Number.isInteger(value) || abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The figures as a fixed-width table. */
export function renderTable(figures: Figure[]): string {
  const header = ['#', 'figure', 'value', 'baseline', 'ratio', 'target', 'result'];
  const rows = figures.map((f) => [
    f.id,
    f.name,
    `${formatNumber(f.value)} ${f.unit}`,
    f.baseline ? `${formatNumber(f.baseline.value)} ${f.baseline.unit} (${f.baseline.name})` : '-',
    f.ratio === undefined ? '-' : `${f.ratio.toFixed(2)}x`,
    f.target?.description ?? '-',
    f.target ? (f.target.met ? 'PASS' : 'MISS') : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 || i === 4 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}

export interface BenchReport {
  timestamp: string;
  command: string;
  scale: string;
  machine: MachineInfo;
  infrastructure: Record<string, string>;
  durationSeconds: number;
  figures: Figure[];
  /** Benches that failed, with their error; their figures are missing. */
  errors: { bench: string; error: string }[];
}

export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
}
