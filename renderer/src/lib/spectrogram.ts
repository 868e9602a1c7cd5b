// Spectrogram and waveform images for the audio view, computed in the renderer from decoded PCM.
import { Fft } from './fft.ts';

export interface Spectrogram {
  /** Column-major magnitudes in dB, [column][bin]. */
  readonly db: Float32Array;
  readonly columns: number;
  readonly bins: number;
  readonly sampleRate: number;
}

/**
 * One spectrum column per output pixel column (`columns`), each a Hann-windowed FFT centred on its
 * time position, so any length of audio fits the canvas width without computing every hop.
 */
export function computeSpectrogram(samples: Float32Array, sampleRate: number, columns: number, fftSize = 512): Spectrogram {
  const fft = new Fft(fftSize);
  const bins = fftSize / 2;
  const window = new Float32Array(fftSize);
  for (let i = 0; i < fftSize; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (fftSize - 1));
  const re = new Float32Array(fftSize);
  const im = new Float32Array(fftSize);
  const db = new Float32Array(columns * bins);
  const scale = 2 / (fftSize * 0.5);
  for (let c = 0; c < columns; c++) {
    const centre = Math.round(((c + 0.5) / columns) * samples.length);
    const start = centre - fftSize / 2;
    for (let i = 0; i < fftSize; i++) {
      const j = start + i;
      re[i] = j >= 0 && j < samples.length ? samples[j] * window[i] : 0;
      im[i] = 0;
    }
    fft.transform(re, im);
    for (let b = 0; b < bins; b++) {
      const mag = Math.hypot(re[b], im[b]) * scale;
      db[c * bins + b] = 20 * Math.log10(mag + 1e-9);
    }
  }
  return { db, columns, bins, sampleRate };
}

/** A perceptual dark-to-bright colour map (close to "magma"), 256 RGB entries. */
const MAP: Uint8ClampedArray = (() => {
  const stops: [number, number, number, number][] = [
    [0, 0, 0, 4],
    [0.13, 28, 16, 68],
    [0.25, 79, 18, 123],
    [0.38, 129, 37, 129],
    [0.5, 181, 54, 122],
    [0.63, 229, 80, 100],
    [0.75, 251, 135, 97],
    [0.88, 254, 194, 135],
    [1, 252, 253, 191],
  ];
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < stops.length - 2 && stops[k + 1][0] < t) k++;
    const [t0, r0, g0, b0] = stops[k];
    const [t1, r1, g1, b1] = stops[k + 1];
    const f = (t - t0) / (t1 - t0);
    out[i * 3] = r0 + (r1 - r0) * f;
    out[i * 3 + 1] = g0 + (g1 - g0) * f;
    out[i * 3 + 2] = b0 + (b1 - b0) * f;
  }
  return out;
})();

/**
 * Paint a spectrogram into RGBA pixels, `height` rows with low frequencies at the bottom and a
 * logarithmic-ish frequency axis (more rows for the speech band). `floorDb`/`topDb` fix the colour
 * range so before/after share one scale and the difference is visible.
 */
export function spectrogramPixels(s: Spectrogram, height: number, floorDb = -100, topDb = -10): ImageData {
  const img = new ImageData(s.columns, height);
  const nyq = s.sampleRate / 2;
  const fMin = 40;
  // Map each row to a bin on a mel-like scale.
  const mel = (f: number): number => 2595 * Math.log10(1 + f / 700);
  const melMax = mel(nyq);
  const melMin = mel(fMin);
  const rowBin = new Uint32Array(height);
  for (let y = 0; y < height; y++) {
    const m = melMin + ((height - 1 - y) / Math.max(1, height - 1)) * (melMax - melMin);
    const f = 700 * (10 ** (m / 2595) - 1);
    rowBin[y] = Math.min(s.bins - 1, Math.max(0, Math.round((f / nyq) * s.bins)));
  }
  const range = topDb - floorDb;
  for (let x = 0; x < s.columns; x++) {
    for (let y = 0; y < height; y++) {
      const v = s.db[x * s.bins + rowBin[y]];
      const t = Math.max(0, Math.min(1, (v - floorDb) / range));
      const ci = Math.round(t * 255) * 3;
      const o = (y * s.columns + x) * 4;
      img.data[o] = MAP[ci];
      img.data[o + 1] = MAP[ci + 1];
      img.data[o + 2] = MAP[ci + 2];
      img.data[o + 3] = 255;
    }
  }
  return img;
}

/** Min/max per column, for drawing a waveform of any length at any width. */
export function waveformPeaks(samples: Float32Array, columns: number): { min: Float32Array; max: Float32Array } {
  const min = new Float32Array(columns);
  const max = new Float32Array(columns);
  const per = samples.length / columns;
  for (let c = 0; c < columns; c++) {
    const a = Math.floor(c * per);
    const b = Math.max(a + 1, Math.floor((c + 1) * per));
    let lo = 0;
    let hi = 0;
    for (let i = a; i < b && i < samples.length; i++) {
      const v = samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min[c] = lo;
    max[c] = hi;
  }
  return { min, max };
}
