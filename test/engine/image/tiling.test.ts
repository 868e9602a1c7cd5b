// Tiled inference must equal whole-image inference away from the image border and leave no seams.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { axisWeights, contextMargin, denoiseRaster, denoiseWhole, planAxis, reflectIndex } from '../../../main/engine/image/tiling.ts';
import { MemoryRaster } from '../../../main/engine/image/raster.ts';
import { HushError, type ImageDenoiser, type RgbTile } from '../../../main/engine/types.ts';
import { BlurBlockDenoiser } from './test-denoisers.ts';
import { ASTRONAUT, PHOTO } from './helpers.ts';

async function photoRaster(path: string, depth: 8 | 16 = 16, channels: 3 | 4 = 3): Promise<MemoryRaster> {
  let img = sharp(path).toColourspace(depth === 16 ? 'rgb16' : 'srgb');
  if (channels === 4) img = img.ensureAlpha(0.5);
  const { data, info } = await img.raw({ depth: depth === 16 ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  const arr = depth === 16 ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new MemoryRaster(arr, info.width, info.height, info.channels as 3 | 4, depth);
}

/** Tile boundaries (cross-fade centres) along an axis for the given plan. */
function boundaries(n: number, p: Parameters<typeof planAxis>[1]): number[] {
  return planAxis(n, p).flatMap((t) => (t.fadeOut !== undefined ? [t.fadeOut] : []));
}

describe('planAxis', () => {
  const cases = [
    { n: 1, tileSize: 64, margin: 5, blend: 8, multiple: 8 },
    { n: 37, tileSize: 64, margin: 5, blend: 8, multiple: 8 },
    { n: 481, tileSize: 128, margin: 10, blend: 16, multiple: 8 },
    { n: 1000, tileSize: 256, margin: 30, blend: 32, multiple: 16 },
    { n: 8000, tileSize: 512, margin: 64, blend: 32, multiple: 16 },
    { n: 300, tileSize: 100, margin: 40, blend: 20, multiple: 4 },
  ];
  it.each(cases)('covers every pixel with weights summing to 1 and enough context (%o)', (p) => {
    const tiles = planAxis(p.n, p);
    const sum = new Float64Array(p.n);
    for (const t of tiles) {
      expect(t.length % p.multiple).toBe(0);
      // Every tile starts on the model's stride grid anchored at the image origin.
      expect(Math.abs(t.start % p.multiple)).toBe(0);
      expect(t.keepStart - t.start).toBeGreaterThanOrEqual(p.margin);
      expect(t.start + t.length - t.keepEnd).toBeGreaterThanOrEqual(p.margin);
      const w = axisWeights(t, p.blend);
      for (let i = 0; i < w.length; i++) sum[t.keepStart + i] += w[i];
    }
    for (let x = 0; x < p.n; x++) expect(sum[x]).toBeCloseTo(1, 6);
    if (p.n > p.tileSize) expect(tiles.length).toBeGreaterThan(1);
    for (const t of tiles) expect(t.length).toBeLessThanOrEqual(Math.max(p.tileSize, 2 * Math.ceil((p.margin + p.blend / 2) / p.multiple) * p.multiple + 2 * p.blend + 64 + p.multiple));
  });

  it('reflects indices without repeating the edge', () => {
    expect([-3, -2, -1, 0, 4, 5, 6, 7].map((i) => reflectIndex(i, 5))).toEqual([3, 2, 1, 0, 4, 3, 2, 1]);
    expect(reflectIndex(-100, 1)).toBe(0);
    expect(reflectIndex(-7, 3)).toBe(1);
  });
});

describe('denoiseRaster on a real photo', () => {
  it('equals whole-image inference away from the image border, with many tiles (16-bit raster)', async () => {
    const denoiser = new BlurBlockDenoiser(3, 8);
    const tiled = await photoRaster(ASTRONAUT);
    const whole = await photoRaster(ASTRONAUT);
    await denoiseRaster(tiled, denoiser, 30, { tileSize: 96, blend: 16 });
    const tiles = denoiser.calls.length;
    expect(tiles).toBeGreaterThanOrEqual(36);
    await denoiseWhole(whole, denoiser, 30);
    const { width: W, height: H } = tiled;
    const m = denoiser.receptiveField;
    let maxDiff = 0;
    let changed = 0;
    for (let y = m; y < H - m; y++) {
      for (let x = m; x < W - m; x++) {
        for (let c = 0; c < 3; c++) {
          const i = (y * W + x) * 3 + c;
          maxDiff = Math.max(maxDiff, Math.abs(tiled.output[i] - whole.output[i]));
          if (tiled.output[i] !== tiled.source[i]) changed++;
        }
      }
    }
    // Float32 rounding only: at most one 16-bit code value.
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(changed).toBeGreaterThan(0.9 * (W - 2 * m) * (H - 2 * m) * 3);
  });

  it('shows no seams: error and gradients at tile boundaries match those elsewhere; a lying receptive field would show them', async () => {
    const p = { tileSize: 96, blend: 16 };
    const honest = new BlurBlockDenoiser(4, 8);
    // Same computation, but claims it needs no context: tiles' zero padding then leaks into the result.
    const liar: ImageDenoiser = { receptiveField: 0, sizeMultiple: 8, denoise: (t, s) => honest.denoise(t, s) };
    const whole = await photoRaster(PHOTO);
    await denoiseWhole(whole, honest, 50);

    const seamStats = async (d: ImageDenoiser, blend: number) => {
      const r = await photoRaster(PHOTO);
      await denoiseRaster(r, d, 50, { tileSize: p.tileSize, blend });
      const plan = { tileSize: p.tileSize, margin: contextMargin(d), blend, multiple: 8 };
      const xb = new Set(boundaries(r.width, plan));
      const yb = new Set(boundaries(r.height, plan));
      const near = (v: number, set: Set<number>) => [...set].some((b) => Math.abs(v - b) <= blend / 2 + 1);
      const m = honest.receptiveField;
      let eB = 0, nB = 0, eO = 0, nO = 0, gB = 0, ngB = 0, gO = 0, ngO = 0;
      for (let y = m; y < r.height - m; y++) {
        for (let x = m; x < r.width - m; x++) {
          const onSeam = near(x, xb) || near(y, yb);
          for (let c = 0; c < 3; c++) {
            const i = (y * r.width + x) * 3 + c;
            const e = Math.abs(r.output[i] - whole.output[i]);
            if (onSeam) { eB += e; nB++; } else { eO += e; nO++; }
          }
          // Horizontal step into this pixel: a seam at column b shows as a jump between b−1 and b.
          const g = Math.abs(r.output[(y * r.width + x) * 3 + 1] - r.output[(y * r.width + x - 1) * 3 + 1]);
          // The test model has 8-px blocks; compare seams with the other block edges.
          if (xb.has(x)) { gB += g; ngB++; } else if (x % 8 === 0) { gO += g; ngO++; }
        }
      }
      return { errSeam: eB / nB, errElsewhere: eO / nO, gradSeam: gB / ngB, gradElsewhere: gO / ngO };
    };

    const good = await seamStats(honest, 16);
    expect(good.errSeam).toBeLessThan(0.01); // 16-bit code values
    expect(good.errElsewhere).toBeLessThan(0.01);
    expect(good.gradSeam / good.gradElsewhere).toBeGreaterThan(0.7);
    expect(good.gradSeam / good.gradElsewhere).toBeLessThan(1.3);

    const bad = await seamStats(liar, 0);
    expect(bad.errSeam).toBeGreaterThan(10 * bad.errElsewhere);
    expect(bad.gradSeam / bad.gradElsewhere).toBeGreaterThan(1.5);
  });

  it('gives identical pixels with several tiles in flight, and really runs them concurrently', async () => {
    const base = new BlurBlockDenoiser(3, 8);
    let inFlight = 0;
    let peak = 0;
    const slow: ImageDenoiser = {
      receptiveField: base.receptiveField,
      sizeMultiple: base.sizeMultiple,
      async denoise(t: RgbTile, s: number) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        const out = await base.denoise(t, s);
        inFlight--;
        return out;
      },
    };
    const one = await photoRaster(PHOTO, 8);
    const four = await photoRaster(PHOTO, 8);
    await denoiseRaster(one, base, 25, { tileSize: 128 });
    await denoiseRaster(four, slow, 25, { tileSize: 128, concurrency: 4 });
    expect(peak).toBe(4);
    expect(Buffer.compare(Buffer.from(one.output), Buffer.from(four.output))).toBe(0);
  });

  it('stops between tiles when the signal aborts', async () => {
    const base = new BlurBlockDenoiser(2, 8);
    const ac = new AbortController();
    let calls = 0;
    const d: ImageDenoiser = { receptiveField: 9, sizeMultiple: 8, async denoise(t, s) { calls++; if (calls === 2) ac.abort(); return base.denoise(t, s); } };
    const r = await photoRaster(PHOTO, 8);
    const err = await denoiseRaster(r, d, 25, { tileSize: 96, signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HushError);
    expect((err as HushError).code).toBe('cancelled');
    expect(calls).toBeLessThan(4);
  });

  it('passes alpha through untouched and keeps gray rasters gray', async () => {
    const d = new BlurBlockDenoiser(3, 8);
    const rgba = await photoRaster(PHOTO, 8, 4);
    // A varied alpha channel.
    for (let i = 3; i < rgba.source.length; i += 4) (rgba.source as Uint8Array)[i] = (i >> 2) % 251;
    rgba.output.set(rgba.source);
    await denoiseRaster(rgba, d, 40, { tileSize: 128 });
    let alphaSame = true;
    let colourChanged = 0;
    for (let i = 0; i < rgba.source.length; i++) {
      if (i % 4 === 3) alphaSame &&= rgba.output[i] === rgba.source[i];
      else if (rgba.output[i] !== rgba.source[i]) colourChanged++;
    }
    expect(alphaSame).toBe(true);
    expect(colourChanged).toBeGreaterThan(0.4 * rgba.source.length);

    const { data, info } = await sharp(PHOTO).grayscale().raw().toBuffer({ resolveWithObject: true });
    const gray = new MemoryRaster(new Uint8Array(data), info.width, info.height, 1, 8);
    await denoiseRaster(gray, d, 40, { tileSize: 128 });
    expect(gray.output.length).toBe(info.width * info.height);
    let diff = 0;
    for (let i = 0; i < data.length; i++) diff += Math.abs(gray.output[i] - data[i]);
    expect(diff / data.length).toBeGreaterThan(1);
    expect(diff / data.length).toBeLessThan(20);
  });

  it('handles 1×1 and 1-pixel-thin images', async () => {
    const d = new BlurBlockDenoiser(3, 8);
    for (const [w, h] of [[1, 1], [1, 300], [700, 1]]) {
      const src = new Uint8Array(w * h * 3).map((_, i) => (i * 37) % 256);
      const r = new MemoryRaster(src, w, h, 3, 8);
      await denoiseRaster(r, d, 20, { tileSize: 128 });
      expect(r.output.length).toBe(w * h * 3);
    }
  });
});
