import { describe, expect, it } from 'vitest';
import { addImportLifecycles, uploadBatches } from '../../src/cli/api-import';
import type { ImportLifecycles } from '../../src/core/application/imported-lifecycles';

const files = (...sizes: number[]) => sizes.map((size, index) => ({ path: `f${index}`, size }));
const started = (count: number, told: string[] = []): ImportLifecycles => ({
  started: count,
  alreadyRunning: 1,
  signalled: 0,
  failed: [],
  campaigns: { told, unreachable: [] },
});

describe('certflow import through the API: uploads and their reports added up (R-API-1)', () => {
  it.each([
    [[], []],
    [
      [10, 20, 30],
      [['f0', 'f1'], ['f2']],
    ],
    [
      [60, 50, 10],
      [['f0'], ['f1', 'f2']],
    ],
    [
      [150, 10],
      [['f0'], ['f1']],
    ],
    [
      [10, 150, 10],
      [['f0'], ['f1'], ['f2']],
    ],
    [
      [1, 1, 1, 1, 1],
      [['f0', 'f1'], ['f2', 'f3'], ['f4']],
    ],
  ])('files of %j bytes go up as %j (100 bytes, 2 files an upload; a larger file alone)', (sizes, batches) => {
    expect(uploadBatches(files(...sizes), 100, 2).map((batch) => batch.map((file) => file.path))).toEqual(batches);
  });

  it.each([
    [null, null, null],
    [started(2), null, started(2)],
    [started(2, ['cmp-a']), started(3, ['cmp-a', 'cmp-b']), { ...started(5, ['cmp-a', 'cmp-b']), alreadyRunning: 2 }],
    [started(2), { notStarted: 'Temporal is down' }, { notStarted: 'Temporal is down' }],
  ])('lifecycles %j and %j add up to %j', (a, b, sum) => {
    expect(addImportLifecycles(a, b)).toEqual(sum);
  });
});
