// A decoded image the tiler reads from and writes to, a band of rows at a time, so a huge photo never
// has to exist as float pixels. Implemented in memory (previews, tests) and over a libvips .v file on
// disk (the file pipeline, see vips-file.ts).

export type PixelArray = Uint8Array | Uint16Array;

export interface RasterLayout {
  readonly width: number;
  readonly height: number;
  /** Interleaved channels per pixel: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  /** 8 → Uint8Array samples (max 255); 16 → Uint16Array samples (max 65535). */
  readonly depth: 8 | 16;
}

export interface PixelRaster extends RasterLayout {
  /** `count` full rows from `y0`, all channels interleaved. */
  readRows(y0: number, count: number): Promise<PixelArray>;
  /**
   * Replace the colour channels of `count` rows from `y0` with `rgb` (count·width·3 floats in [0,1],
   * clamped and rounded here). Gray rasters store the mean of R, G, B. Alpha is left untouched.
   */
  writeColorRows(y0: number, count: number, rgb: Float32Array): Promise<void>;
}

export function colorChannelsOf(channels: number): 1 | 3 {
  return channels <= 2 ? 1 : 3;
}

export function maxValueOf(depth: 8 | 16): number {
  return depth === 16 ? 65535 : 255;
}

/** Write float RGB rows into interleaved integer pixels (colour channels only). */
export function packColorRows(rgb: Float32Array, dst: PixelArray, layout: RasterLayout, pixels: number): void {
  const { channels } = layout;
  const maxv = maxValueOf(layout.depth);
  const gray = colorChannelsOf(channels) === 1;
  for (let p = 0; p < pixels; p++) {
    const s = p * 3;
    const d = p * channels;
    if (gray) {
      dst[d] = quantize((rgb[s] + rgb[s + 1] + rgb[s + 2]) / 3, maxv);
    } else {
      dst[d] = quantize(rgb[s], maxv);
      dst[d + 1] = quantize(rgb[s + 1], maxv);
      dst[d + 2] = quantize(rgb[s + 2], maxv);
    }
  }
}

function quantize(v: number, maxv: number): number {
  const x = Math.round(v * maxv);
  return x < 0 ? 0 : x > maxv ? maxv : x;
}

/** A raster held in memory: `source` is never modified; output goes to `output` (a copy at start). */
export class MemoryRaster implements PixelRaster {
  readonly output: PixelArray;

  constructor(
    readonly source: PixelArray,
    readonly width: number,
    readonly height: number,
    readonly channels: 1 | 2 | 3 | 4,
    readonly depth: 8 | 16,
  ) {
    if (source.length !== width * height * channels) {
      throw new RangeError(`raster buffer holds ${source.length} samples, expected ${width}×${height}×${channels}`);
    }
    if ((depth === 16) !== source instanceof Uint16Array) throw new TypeError('raster depth does not match its array type');
    this.output = source.slice();
  }

  async readRows(y0: number, count: number): Promise<PixelArray> {
    const row = this.width * this.channels;
    return this.source.subarray(y0 * row, (y0 + count) * row);
  }

  async writeColorRows(y0: number, count: number, rgb: Float32Array): Promise<void> {
    const row = this.width * this.channels;
    packColorRows(rgb, this.output.subarray(y0 * row, (y0 + count) * row), this, count * this.width);
  }
}
