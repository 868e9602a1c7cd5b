import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatNumber, plotRunLog, renderRunLog } from '../../../ml/core/plot.ts';
import type { LogRecord } from '../../../ml/core/run-log.ts';

const records: LogRecord[] = [];
for (let s = 10; s <= 500; s += 10) records.push({ step: s, loss: 0.05 * Math.exp(-s / 150) + 0.002, lr: 1e-3 });
for (let s = 0; s <= 500; s += 50) records.push({ step: s, val_psnr: 20 + s / 50, val_ssim: 0.9 - 0.3 * Math.exp(-s / 60) });

function countColour(data: Uint8Array, rgb: [number, number, number]): number {
  let n = 0;
  for (let i = 0; i < data.length; i += 3) if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2]) n++;
  return n;
}

describe('training-curve plot', () => {
  it('draws the loss curve in the left panel and the metrics in the right', () => {
    const { data, width, height } = renderRunLog(records, { title: 'test' });
    expect(data.length).toBe(width * height * 3);
    const left = new Uint8Array(data.length);
    const right = new Uint8Array(data.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        (x < width / 2 ? left : right).set(data.subarray(i, i + 3), i);
      }
    }
    expect(countColour(left, [31, 119, 180])).toBeGreaterThan(300); // smoothed training loss
    expect(countColour(right, [44, 160, 44])).toBeGreaterThan(300); // first validation metric
    expect(countColour(right, [214, 39, 40])).toBeGreaterThan(300); // second
    // Falling loss: the curve's left end is higher on screen (smaller y) than its right end.
    const colY = (x0: number) => {
      for (let y = 0; y < height; y++) for (let x = x0; x < x0 + 4; x++) if (countColour(data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3), [31, 119, 180])) return y;
      return -1;
    };
    expect(colY(70)).toBeGreaterThan(0);
    expect(colY(70)).toBeLessThan(colY(560));
  });

  it('writes a PNG that decodes to the same size', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hush-plot-')), 'curves.png');
    await plotRunLog(records, file, { width: 800, height: 300 });
    const meta = await sharp(file).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 800, 300]);
    expect(formatNumber(0.00123)).toBe('1.2e-3');
    expect(formatNumber(31.234)).toBe('31.2');
  });
});
