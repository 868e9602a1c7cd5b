// Overlapping-tile inference: the image is cut into tiles that carry `receptiveField` pixels of extra
// context on every side (reflected at the image border), padded to the model's size multiple, and the
// tiles' outputs are blended with raised-cosine ramps so no seam shows. Tile origins all lie on the
// model's downsampling grid, so a model whose receptive field is honest gives the same pixels tiled as
// whole. Only one band of tile rows exists as floats at any time.
import { HushError, type ImageDenoiser, type RgbTile } from '../types.ts';
import { colorChannelsOf, maxValueOf, type PixelArray, type PixelRaster } from './raster.ts';

export interface TilingOptions {
  /** Largest tile side fed to the model (px), context included. Default 512. */
  readonly tileSize?: number;
  /** Width (px) of the cross-fade between neighbouring tiles; 0 = hard centre crop. Default 32. */
  readonly blend?: number;
  /** Tiles in flight at once (a worker-pool denoiser can use >1). Default 1. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** Fraction of tiles done, 0–1. */
  readonly onProgress?: (fraction: number) => void;
}

/** One tile along one axis, in image coordinates. */
export interface AxisTile {
  /** First input coordinate (may be negative: reflected context). */
  readonly start: number;
  /** Input length fed to the model (a multiple of sizeMultiple). */
  readonly length: number;
  /** Output range this tile contributes to, clipped to the image: [keepStart, keepEnd). */
  readonly keepStart: number;
  readonly keepEnd: number;
  /** Centres of the cross-fades with the previous/next tile, if any. */
  readonly fadeIn?: number;
  readonly fadeOut?: number;
}

export interface AxisPlanParams {
  readonly tileSize: number;
  /** Context pixels per side each output pixel needs. */
  readonly margin: number;
  readonly blend: number;
  readonly multiple: number;
}

const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;
const roundDown = (v: number, m: number): number => Math.floor(v / m) * m;

/**
 * Context pixels kept on each side of an output pixel: the whole receptive field, not half of it.
 * Neighbouring tiles then overlap by twice the receptive field. Half was measured not to be enough for
 * the image DAE (tiled ≠ whole by up to 19/65535, test/engine/image/model-tiling.test.ts), whose
 * declared field counts its stride-grid detours loosely; the extra context costs ~15 % compute.
 */
export function contextMargin(denoiser: Pick<ImageDenoiser, 'receptiveField'>): number {
  return Math.ceil(Math.max(0, denoiser.receptiveField));
}

/** Split an axis of `n` pixels into tiles. All tile starts are ≡ −pad (mod multiple). */
export function planAxis(n: number, p: AxisPlanParams): AxisTile[] {
  const q = Math.max(1, Math.floor(p.multiple));
  const blend = 2 * Math.ceil(Math.max(0, p.blend) / 2);
  const pad = roundUp(Math.max(0, Math.ceil(p.margin)) + blend / 2, q);
  const single = roundUp(n + 2 * pad, q);
  if (single <= Math.max(p.tileSize, q)) {
    return [{ start: -pad, length: single, keepStart: 0, keepEnd: n }];
  }
  // Stride between tile cores: as large as the tile allows, never below the blend width.
  const maxStride = Math.max(roundDown(p.tileSize - 2 * pad, q), roundUp(Math.max(2 * blend, 64), q));
  const count = Math.ceil(n / maxStride);
  const stride = roundUp(Math.ceil(n / count), q);
  const tiles: AxisTile[] = [];
  for (let k = 0; k < count; k++) {
    const lo = k * stride;
    const hi = Math.min(n, (k + 1) * stride);
    if (lo >= n) break;
    const first = k === 0;
    const last = hi >= n;
    tiles.push({
      start: lo - pad,
      length: stride + 2 * pad,
      keepStart: first ? 0 : lo - blend / 2,
      keepEnd: last ? n : Math.min(n, hi + blend / 2),
      fadeIn: first ? undefined : lo,
      fadeOut: last ? undefined : hi,
    });
    if (last) break;
  }
  return tiles;
}

/** Mirror an index into [0, n) without repeating the edge pixel (numpy 'reflect'). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let r = i % period;
  if (r < 0) r += period;
  return r < n ? r : period - r;
}

/** Weight of each output pixel of `tile` in [keepStart, keepEnd): raised-cosine fades, sum 1 across neighbours. */
export function axisWeights(tile: AxisTile, blend: number): Float32Array {
  const b = 2 * Math.ceil(Math.max(0, blend) / 2);
  const w = new Float32Array(tile.keepEnd - tile.keepStart);
  for (let i = 0; i < w.length; i++) {
    const x = tile.keepStart + i;
    let v = 1;
    if (tile.fadeIn !== undefined && b > 0) v *= rise((x - (tile.fadeIn - b / 2) + 0.5) / b);
    if (tile.fadeOut !== undefined && b > 0) v *= 1 - rise((x - (tile.fadeOut - b / 2) + 0.5) / b);
    w[i] = v;
  }
  return w;
}

/** Raised cosine from 0 to 1 over t ∈ [0,1]; rise(t) + rise(1−t) = 1, so fades sum to one. */
function rise(t: number): number {
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return 0.5 - 0.5 * Math.cos(Math.PI * t);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HushError('cancelled', 'cancelled');
}

/** Float RGB tile from a band of integer rows, reading rows/columns through reflection maps. */
function buildTile(band: PixelArray, bandY0: number, raster: PixelRaster, rowMap: Int32Array, colMap: Int32Array): RgbTile {
  const { width: imgW, channels } = raster;
  const scale = 1 / maxValueOf(raster.depth);
  const gray = colorChannelsOf(channels) === 1;
  const tw = colMap.length;
  const th = rowMap.length;
  const data = new Float32Array(tw * th * 3);
  let o = 0;
  for (let ty = 0; ty < th; ty++) {
    const rowBase = (rowMap[ty] - bandY0) * imgW * channels;
    for (let tx = 0; tx < tw; tx++) {
      const s = rowBase + colMap[tx] * channels;
      if (gray) {
        const v = band[s] * scale;
        data[o] = v; data[o + 1] = v; data[o + 2] = v;
      } else {
        data[o] = band[s] * scale; data[o + 1] = band[s + 1] * scale; data[o + 2] = band[s + 2] * scale;
      }
      o += 3;
    }
  }
  return { data, width: tw, height: th };
}

/** Run `jobs` with at most `limit` in flight; rejects on the first failure after the others settle. */
async function runPool(jobs: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && failure === undefined) {
      const job = jobs[next++];
      try {
        await job();
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('tile job failed', { cause: failure });
}

/**
 * Denoise every colour channel of `raster` in place (into its output), tile by tile.
 * Memory: one band of source rows (tile height × width) plus a float accumulator of the same size.
 */
export async function denoiseRaster(raster: PixelRaster, denoiser: ImageDenoiser, sigma: number, opts: TilingOptions = {}): Promise<void> {
  const { width: W, height: H } = raster;
  const blend = 2 * Math.ceil(Math.max(0, opts.blend ?? 32) / 2);
  const params: AxisPlanParams = {
    tileSize: Math.max(16, Math.floor(opts.tileSize ?? 512)),
    margin: contextMargin(denoiser),
    blend,
    multiple: Math.max(1, denoiser.sizeMultiple),
  };
  const rowsPlan = planAxis(H, params);
  const colsPlan = planAxis(W, params);
  const colMaps = colsPlan.map((t) => Int32Array.from({ length: t.length }, (_, i) => reflectIndex(t.start + i, W)));
  const colWeights = colsPlan.map((t) => axisWeights(t, blend));
  const total = rowsPlan.length * colsPlan.length;
  let done = 0;
  opts.onProgress?.(0);

  // Rows [carryY0, carryY0 + carryRows) already hold weighted sums from the previous tile row.
  let carry: { y0: number; acc: Float32Array; wsum: Float32Array } | undefined;

  for (let r = 0; r < rowsPlan.length; r++) {
    throwIfAborted(opts.signal);
    const rt = rowsPlan[r];
    const rowMap = Int32Array.from({ length: rt.length }, (_, i) => reflectIndex(rt.start + i, H));
    let bandLo = H;
    let bandHi = 0;
    for (const y of rowMap) { if (y < bandLo) bandLo = y; if (y > bandHi) bandHi = y; }
    const band = await raster.readRows(bandLo, bandHi - bandLo + 1);
    const rowWeights = axisWeights(rt, blend);

    const accRows = rt.keepEnd - rt.keepStart;
    const acc = new Float32Array(accRows * W * 3);
    const wsum = new Float32Array(accRows * W);
    if (carry) {
      const off = (carry.y0 - rt.keepStart) * W;
      acc.set(carry.acc, off * 3);
      wsum.set(carry.wsum, off);
    }

    // Tiles are blended in column order whatever order they finish in (several may be in flight):
    // float sums then never depend on timing, so N tiles in flight give the same pixels as one.
    const finished = new Map<number, RgbTile>();
    let nextBlend = 0;
    const blendTile = (c: number, out: RgbTile): void => {
      const ct = colsPlan[c];
      const cw = colWeights[c];
      for (let y = rt.keepStart; y < rt.keepEnd; y++) {
        const wy = rowWeights[y - rt.keepStart];
        if (wy === 0) continue;
        const ty = y - rt.start;
        const accRow = (y - rt.keepStart) * W;
        for (let x = ct.keepStart; x < ct.keepEnd; x++) {
          const w = wy * cw[x - ct.keepStart];
          if (w === 0) continue;
          const s = (ty * out.width + (x - ct.start)) * 3;
          const d = (accRow + x) * 3;
          acc[d] += w * out.data[s];
          acc[d + 1] += w * out.data[s + 1];
          acc[d + 2] += w * out.data[s + 2];
          wsum[accRow + x] += w;
        }
      }
    };
    const jobs = colsPlan.map((_, c) => async (): Promise<void> => {
      throwIfAborted(opts.signal);
      const tile = buildTile(band, bandLo, raster, rowMap, colMaps[c]);
      const out = await denoiser.denoise(tile, sigma);
      if (out.width !== tile.width || out.height !== tile.height || out.data.length !== tile.data.length) {
        throw new HushError('internal', `denoiser returned a ${out.width}×${out.height} tile for a ${tile.width}×${tile.height} input`);
      }
      finished.set(c, out);
      for (let next = finished.get(nextBlend); next; next = finished.get(nextBlend)) {
        finished.delete(nextBlend);
        blendTile(nextBlend++, next);
      }
      done++;
      opts.onProgress?.(done / total);
    });
    await runPool(jobs, Math.max(1, Math.floor(opts.concurrency ?? 1)));

    // Rows before the next tile row's fade-in are final; the fade band carries over.
    const finalEnd = r + 1 < rowsPlan.length ? rowsPlan[r + 1].keepStart : rt.keepEnd;
    const finalRows = finalEnd - rt.keepStart;
    const rgb = acc.subarray(0, finalRows * W * 3);
    for (let p = 0; p < finalRows * W; p++) {
      const w = wsum[p];
      const inv = w > 0 ? 1 / w : 0;
      rgb[p * 3] *= inv; rgb[p * 3 + 1] *= inv; rgb[p * 3 + 2] *= inv;
    }
    await raster.writeColorRows(rt.keepStart, finalRows, rgb);
    carry = finalEnd < rt.keepEnd
      ? { y0: finalEnd, acc: acc.slice(finalRows * W * 3), wsum: wsum.slice(finalRows * W) }
      : undefined;
  }
}

/**
 * Reference path: the whole image as one tile, reflection-padded on the right/bottom up to the size
 * multiple. For small images, previews and for checking that tiling changes nothing.
 */
export async function denoiseWhole(raster: PixelRaster, denoiser: ImageDenoiser, sigma: number): Promise<void> {
  const { width: W, height: H } = raster;
  const q = Math.max(1, denoiser.sizeMultiple);
  const rowMap = Int32Array.from({ length: roundUp(H, q) }, (_, i) => reflectIndex(i, H));
  const colMap = Int32Array.from({ length: roundUp(W, q) }, (_, i) => reflectIndex(i, W));
  const band = await raster.readRows(0, H);
  const tile = buildTile(band, 0, raster, rowMap, colMap);
  const out = await denoiser.denoise(tile, sigma);
  const rgb = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    rgb.set(out.data.subarray(y * tile.width * 3, (y * tile.width + W) * 3), y * W * 3);
  }
  await raster.writeColorRows(0, H, rgb);
}
