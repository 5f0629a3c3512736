import { DemoRow, fit, progressLine, summaryLines, wrap } from './demo.view';

const columns = (line: string) => [...line].length;
const id = '5b0e3c1e-7d1a-4c36-9f4e-2f1f0c7b9a10';

function row(label: string, status: string, extra: Partial<DemoRow> = {}): DemoRow {
  return {
    label,
    expected: 'COMPLETED',
    status,
    id: status === 'waiting' ? null : id,
    error: null,
    steps: [],
    ...extra,
  };
}

describe('demo view', () => {
  it('fits a line into 79 columns, marking the cut', () => {
    expect(fit('short')).toBe('short');
    const cut = fit('x'.repeat(200));
    expect(columns(cut)).toBe(79);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('wraps words under 80 columns with the indents asked for', () => {
    const lines = wrap('word '.repeat(60), 80, '    ', '  ');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(columns(line)).toBeLessThan(80);
    expect(lines[0].startsWith('  word')).toBe(true);
    expect(lines[1].startsWith('    word')).toBe(true);
  });

  it('keeps the progress line under 80 columns whatever the statuses', () => {
    const statuses = [
      'waiting',
      'RECEIVED',
      'IN_PROGRESS',
      'COMPENSATING',
      'COMPLETED',
      'FAILED',
      'COMPENSATION_FAILED',
    ];
    const rows = statuses.map((s, i) => row(`sample ${i}`, s));
    const line = progressLine(rows, 119_600);
    expect(columns(line)).toBeLessThan(80);
    expect(line.startsWith('[120s] 3/7 done: 1 completed, 1 failed')).toBe(true);
    expect(progressLine([row('a', 'COMPLETED'), row('b', 'waiting')], 3_000)).toBe(
      '[  3s] 1/2 done: 1 completed; 1 waiting',
    );
  });

  it('prints a summary under 80 columns, errors and surprises below their row', () => {
    const lines = summaryLines([
      row('token + portal', 'COMPLETED'),
      row('fails: unknown portal', 'FAILED', {
        expected: 'FAILED',
        error: { code: 'PORTAL_NOT_FOUND', message: 'no portal named "No such portal" '.repeat(5) },
        steps: [
          { name: 'api_collection', status: 'RETAINED' },
          { name: 'api_client', status: 'FAILED' },
        ],
      }),
      row('oidc jwks', 'COMPENSATION_FAILED', { error: { code: 'WORKATO_500' } }),
      row('oauth2', 'waiting'),
    ]);
    for (const line of lines) expect(columns(line)).toBeLessThan(80);
    expect(lines[0]).toMatch(/^onboarding\s+status\s+id$/);
    expect(lines[1]).toBe(`${'token + portal'.padEnd(22)}${'COMPLETED'.padEnd(21)}${id}`);
    expect(lines[2]).toMatch(/^fails: unknown portal\s+FAILED\s+5b0e3c1e/);
    expect(lines[3]).toMatch(/^ {22}PORTAL_NOT_FOUND: no portal named/);
    expect(lines).toContain(`${' '.repeat(22)}compensation: api_collection retained`);
    expect(lines.some((l) => /^ {22}unexpected: the demo expects COMPLETED$/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^oauth2\s+waiting\s+-$/);
  });
});
