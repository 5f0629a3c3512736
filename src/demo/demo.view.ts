/**
 * What the demo prints, fitted to an 80-column terminal: one progress line rewritten in place
 * and a summary of one line per onboarding (plus its error, if any). Pure functions.
 */
export const SCREEN_WIDTH = 80;

/** A line of at most `width - 1` columns: the last column is left free so nothing wraps. */
export function fit(text: string, width = SCREEN_WIDTH): string {
  const max = width - 1;
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * Words wrapped to lines of at most `width - 1` columns; the first line starts with
 * `firstIndent` (and the text's own leading spaces), the others with `indent`. A word longer
 * than a line is cut by `fit`.
 */
export function wrap(text: string, width = SCREEN_WIDTH, indent = '', firstIndent = ''): string[] {
  const lines: string[] = [];
  let line = firstIndent + (/^\s*/.exec(text)?.[0] ?? '');
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = empty ? `${line}${word}` : `${line} ${word}`;
    if (empty || [...candidate].length <= width - 1) {
      line = candidate;
    } else {
      lines.push(fit(line, width));
      line = `${indent}${word}`;
    }
    empty = false;
  }
  lines.push(fit(line, width));
  return lines;
}

export const TERMINAL_STATUSES = new Set(['COMPLETED', 'FAILED', 'COMPENSATION_FAILED']);

/** One onboarding of the demo as last seen; status `waiting` until the service has it. */
export interface DemoRow {
  label: string;
  expected: string;
  status: string;
  id: string | null;
  error: { code: string; message?: string } | null;
  steps: { name: string; status: string }[];
}

const ORDER = [
  'COMPLETED',
  'FAILED',
  'COMPENSATION_FAILED',
  'COMPENSATING',
  'IN_PROGRESS',
  'RECEIVED',
  'waiting',
];

/** Unknown statuses (a newer service) go last. */
const rank = (status: string) => (ORDER.includes(status) ? ORDER.indexOf(status) : ORDER.length);
const word = (status: string) => status.toLowerCase().replace(/_/g, ' ');

/** `[ 12s] 4/6 done: 3 completed, 1 failed; 1 in progress, 1 waiting` */
export function progressLine(rows: DemoRow[], elapsedMs: number, width = SCREEN_WIDTH): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  const part = (statuses: string[]) =>
    [...counts.entries()]
      .filter(([status]) => statuses.includes(status))
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([status, n]) => `${n} ${word(status)}`)
      .join(', ');
  const done = rows.filter((r) => TERMINAL_STATUSES.has(r.status)).length;
  const finished = part([...TERMINAL_STATUSES]);
  const running = part([...counts.keys()].filter((s) => !TERMINAL_STATUSES.has(s)));
  const seconds = String(Math.round(elapsedMs / 1000)).padStart(3);
  const text = `[${seconds}s] ${done}/${rows.length} done${finished ? `: ${finished}` : ''}${
    running ? `; ${running}` : ''
  }`;
  return fit(text, width);
}

/** What compensation did to a step: undone, kept (Workato cannot delete it), or not undone. */
const COMPENSATION_STATUSES = new Set(['COMPENSATED', 'RETAINED', 'COMPENSATION_FAILED']);

const LABEL = 22;
const STATUS = 21;

/**
 * The table after the run: onboarding, status, id; below a row, indented, its error, what
 * compensation did, and a surprise (an outcome the demo did not expect).
 */
export function summaryLines(rows: DemoRow[], width = SCREEN_WIDTH): string[] {
  const cell = (text: string, size: number) => fit(text, size).padEnd(size - 1) + ' ';
  const lines = [fit(`${cell('onboarding', LABEL)}${cell('status', STATUS)}id`, width)];
  const indent = ' '.repeat(LABEL);
  for (const row of rows) {
    lines.push(fit(`${cell(row.label, LABEL)}${cell(row.status, STATUS)}${row.id ?? '-'}`, width));
    if (row.error) {
      const text = `${row.error.code}${row.error.message ? `: ${row.error.message}` : ''}`;
      lines.push(...wrap(text, width, indent, indent));
    }
    const undone = row.steps.filter((s) => COMPENSATION_STATUSES.has(s.status));
    if (undone.length > 0) {
      const text = `compensation: ${undone.map((s) => `${s.name} ${word(s.status)}`).join(', ')}`;
      lines.push(...wrap(text, width, indent, indent));
    }
    if (TERMINAL_STATUSES.has(row.status) && row.status !== row.expected)
      lines.push(fit(`${indent}unexpected: the demo expects ${row.expected}`, width));
  }
  return lines;
}
