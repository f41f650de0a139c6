import { describe, expect, it } from 'vitest';
import { createProgressBar } from '../../../src/cli/format/progress';
import { renderTable } from '../../../src/cli/format/table';

describe('renderTable', () => {
  it('aligns columns, right-aligns numbers and cuts long cells with an ellipsis', () => {
    const rows = [
      { name: 'www.example.com', days: 12 },
      { name: 'a-very-long-host-name.example.com', days: 365 },
    ];
    const text = renderTable(rows, [
      { header: 'NAME', cell: (row) => row.name, maxWidth: 20 },
      { header: 'DAYS', cell: (row) => String(row.days), align: 'right' },
    ]);
    expect(text.split('\n')).toEqual([
      'NAME                  DAYS',
      '────────────────────  ────',
      'www.example.com         12',
      'a-very-long-host-na…   365',
    ]);
  });
});

describe('createProgressBar', () => {
  it('draws a bar with count, percentage and rate, throttled by the clock, and ends the line', () => {
    let now = 0;
    const output: string[] = [];
    const bar = createProgressBar({
      label: 'import',
      write: (text) => output.push(text),
      clock: () => now,
      columns: 80,
    });
    bar.setTotal(200);
    now = 1000;
    bar.update(50);
    now = 1050;
    bar.update(60);
    now = 2000;
    bar.update(200, 'done.pem');
    bar.finish();
    expect(output).toHaveLength(4);
    expect(output[0]).toMatch(/^\rimport █+░+ {2}25% 50\/200 50\/s/);
    expect(output[1]).toMatch(/100% 200\/200 100\/s done\.pem/);
    expect(output[3]).toBe('\n');
  });

  it('draws nothing when there was no progress', () => {
    const output: string[] = [];
    createProgressBar({ label: 'import', write: (text) => output.push(text) }).finish();
    expect(output).toEqual([]);
  });
});
