// Training curves as a PNG, drawn into a raw RGB buffer (no canvas or font libraries) and encoded
// with sharp. Left panel: training loss (log scale) with a smoothed line, plus any validation
// losses; right panel: the other validation metrics, each min–max scaled, values in the legend.
import sharp from 'sharp';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { LogRecord } from './run-log.ts';

type Rgb = readonly [number, number, number];

// 5×7 bitmap font (upper case, digits, a few symbols); each row is 5 bits, MSB = left.
const FONT: Record<string, readonly number[]> = {
  A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14],
  D: [30, 17, 17, 17, 17, 17, 30], E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17], I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16], Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4], U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  '0': [14, 17, 19, 21, 25, 17, 14], '1': [4, 12, 4, 4, 4, 4, 14], '2': [14, 17, 1, 2, 4, 8, 31],
  '3': [31, 2, 4, 2, 1, 17, 14], '4': [2, 6, 10, 18, 31, 2, 2], '5': [31, 16, 30, 1, 1, 17, 14],
  '6': [6, 8, 16, 30, 17, 17, 14], '7': [31, 1, 2, 4, 8, 8, 8], '8': [14, 17, 17, 14, 17, 17, 14],
  '9': [14, 17, 17, 15, 1, 2, 12],
  '.': [0, 0, 0, 0, 0, 12, 12], '-': [0, 0, 0, 31, 0, 0, 0], '+': [0, 4, 4, 31, 4, 4, 0],
  '_': [0, 0, 0, 0, 0, 0, 31], ':': [0, 12, 12, 0, 12, 12, 0], '=': [0, 0, 31, 0, 31, 0, 0],
  '/': [1, 1, 2, 4, 8, 16, 16], '(': [2, 4, 8, 8, 8, 4, 2], ')': [8, 4, 2, 2, 2, 4, 8],
  '%': [24, 25, 2, 4, 8, 19, 3], ' ': [0, 0, 0, 0, 0, 0, 0],
};

const PALETTE: readonly Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194], [23, 190, 207],
];

class Canvas {
  readonly data: Uint8Array;
  constructor(readonly width: number, readonly height: number, bg: Rgb = [255, 255, 255]) {
    this.data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(bg, i * 3);
  }
  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.data.set(c, (y * this.width + x) * 3);
  }
  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    for (let y = Math.round(y0); y <= Math.round(y1); y++) for (let x = Math.round(x0); x <= Math.round(x1); x++) this.set(x, y, c);
  }
  /** Line with the given thickness (Bresenham, stamped). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thick = 1): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const r = (thick - 1) / 2;
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n;
      const y = y0 + ((y1 - y0) * i) / n;
      if (r <= 0) this.set(x, y, c);
      else this.rect(x - r, y - r, x + r, y + r, c);
    }
  }
  text(x: number, y: number, s: string, c: Rgb, scale = 1): number {
    let cx = Math.round(x);
    for (const ch of s.toUpperCase()) {
      const g = FONT[ch] ?? FONT[' '];
      for (let row = 0; row < 7; row++)
        for (let col = 0; col < 5; col++) if ((g[row] >> (4 - col)) & 1) this.rect(cx + col * scale, y + row * scale, cx + col * scale + scale - 1, y + row * scale + scale - 1, c);
      cx += 6 * scale;
    }
    return cx;
  }
}

function textWidth(s: string, scale = 1): number {
  return s.length * 6 * scale;
}

export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) return v.toExponential(1).replace('e+', 'e');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}

interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color: Rgb;
  readonly thick: number;
}

interface PanelOptions {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly title: string;
  readonly logY: boolean;
  /** Scale each series to its own min–max (metrics with different units). */
  readonly normalise: boolean;
}

function drawPanel(cv: Canvas, series: readonly Series[], o: PanelOptions): void {
  const axis: Rgb = [60, 60, 60];
  const grid: Rgb = [225, 225, 225];
  const left = o.x + 58;
  const right = o.x + o.w - 10;
  const top = o.y + 24;
  const bottom = o.y + o.h - 30;
  cv.text(o.x + (o.w - textWidth(o.title, 2)) / 2, o.y + 2, o.title, [20, 20, 20], 2);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    cv.text(left + 10, (top + bottom) / 2, 'NO DATA YET', axis);
    return;
  }
  const xs = all.map((p) => p[0]);
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (xMax === xMin) xMax = xMin + 1;
  const tf = (v: number) => (o.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const ranges = series.map((s) => {
    const ys = s.points.map((p) => tf(p[1])).filter(Number.isFinite);
    return ys.length ? ([Math.min(...ys), Math.max(...ys)] as const) : ([0, 1] as const);
  });
  let yMin = Math.min(...ranges.map((r) => r[0]));
  let yMax = Math.max(...ranges.map((r) => r[1]));
  if (o.normalise) {
    yMin = 0;
    yMax = 1;
  }
  if (yMax - yMin < 1e-12) {
    yMin -= 0.5;
    yMax += 0.5;
  }
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  xMin = Math.max(0, xMin);
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin)) * (right - left);
  const py = (y: number) => bottom - ((y - yMin) / (yMax - yMin)) * (bottom - top);
  // Grid and tick labels.
  for (let i = 0; i <= 4; i++) {
    const yv = yMin + ((yMax - yMin) * i) / 4;
    const y = py(yv);
    cv.line(left, y, right, y, grid);
    if (!o.normalise) {
      const label = formatNumber(o.logY ? 10 ** yv : yv);
      cv.text(left - 4 - textWidth(label), y - 3, label, axis);
    }
    const xv = xMin + ((xMax - xMin) * i) / 4;
    const x = px(xv);
    cv.line(x, top, x, bottom, grid);
    const xl = String(Math.round(xv));
    cv.text(x - textWidth(xl) / 2, bottom + 6, xl, axis);
  }
  cv.text((left + right) / 2 - textWidth('STEP') / 2, bottom + 18, 'STEP', axis);
  if (o.normalise) cv.text(o.x + 4, (top + bottom) / 2, 'MIN-MAX', axis);
  cv.line(left, top, left, bottom, axis);
  cv.line(left, bottom, right, bottom, axis);
  // Curves.
  series.forEach((s, k) => {
    const [lo, hi] = ranges[k];
    const norm = (v: number) => (o.normalise ? (hi - lo < 1e-12 ? 0.5 : (tf(v) - lo) / (hi - lo)) : tf(v));
    let prev: [number, number] | undefined;
    for (const [x, yv] of s.points) {
      const v = norm(yv);
      if (!Number.isFinite(v)) {
        prev = undefined;
        continue;
      }
      const p: [number, number] = [px(x), py(v)];
      if (prev) cv.line(prev[0], prev[1], p[0], p[1], s.color, s.thick);
      else cv.rect(p[0] - 1, p[1] - 1, p[0] + 1, p[1] + 1, s.color);
      prev = p;
    }
  });
  // Legend (top right), with the last value.
  let ly = top + 4;
  for (const s of series) {
    const last = s.points.at(-1);
    const label = `${s.name} ${last ? formatNumber(last[1]) : ''}`;
    const lx = right - textWidth(label) - 18;
    cv.rect(lx - 3, ly - 2, right - 2, ly + 8, [255, 255, 255]);
    cv.rect(lx, ly + 2, lx + 10, ly + 4, s.color);
    cv.text(lx + 14, ly, label, [30, 30, 30]);
    ly += 12;
  }
}

/** Exponential moving average, for a readable trend through noisy per-step losses. */
function smooth(points: readonly (readonly [number, number])[]): [number, number][] {
  // Averages over ~1/20 of the run: visible trend without lagging short runs.
  const alpha = Math.min(1, 20 / Math.max(1, points.length));
  let m: number | undefined;
  return points.map(([x, y]) => {
    m = m === undefined ? y : m + alpha * (y - m);
    return [x, m];
  });
}

export interface PlotOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
}

/** Renders the curves of a run log to raw RGB (for tests) — see plotRunLog. */
export function renderRunLog(records: readonly LogRecord[], opts: PlotOptions = {}): { data: Uint8Array; width: number; height: number } {
  const width = opts.width ?? 1200;
  const height = opts.height ?? 480;
  const cv = new Canvas(width, height);
  const train = records.filter((r) => typeof r.loss === 'number').map((r) => [r.step, r.loss as number] as const);
  const metricNames = [...new Set(records.flatMap((r) => Object.keys(r)))].filter(
    (k) => !['step', 'loss', 'lr', 'gradNorm', 'stepsPerSec', 'seconds'].includes(k) && records.some((r) => typeof r[k] === 'number'),
  );
  const lossLike = metricNames.filter((k) => /loss|mse|mae/i.test(k));
  const others = metricNames.filter((k) => !lossLike.includes(k));
  const seriesOf = (k: string, i: number): Series => ({
    name: k,
    points: records.filter((r) => typeof r[k] === 'number').map((r) => [r.step, r[k] as number] as const),
    color: PALETTE[(i + 2) % PALETTE.length],
    thick: 2,
  });
  const lossSeries: Series[] = [
    { name: 'train loss', points: train, color: [170, 200, 230], thick: 1 },
    { name: 'train loss (ema)', points: smooth(train), color: PALETTE[0], thick: 2 },
    ...lossLike.map(seriesOf),
  ];
  const top = opts.title ? 22 : 0;
  if (opts.title) cv.text(8, 6, opts.title, [0, 0, 0], 2);
  drawPanel(cv, lossSeries, { x: 0, y: top, w: width / 2, h: height - top, title: 'loss', logY: true, normalise: false });
  drawPanel(cv, others.map((k, i) => seriesOf(k, i + lossLike.length)), {
    x: width / 2,
    y: top,
    w: width / 2,
    h: height - top,
    title: 'validation',
    logY: false,
    // One absolute axis for all validation series: a constant reference (e.g. the noisy input's
    // score) must stay readable against the model's curve, which per-series min–max scaling hid.
    normalise: false,
  });
  return { data: cv.data, width, height };
}

/** Writes the curves PNG atomically. */
export async function plotRunLog(records: readonly LogRecord[], file: string, opts: PlotOptions = {}): Promise<void> {
  const { data, width, height } = renderRunLog(records, opts);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}.png`;
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(tmp);
  await rename(tmp, file);
}
