// Calibrates `auto` σ's switch between the white-noise (PCA) and flat-block estimates on the TRAINING
// split only (never on CC15, which is evaluation data): 8-bit crops of training photos with
//   - white Gaussian noise (σ 1–50), where 'auto' must keep the PCA estimate, and
//   - camera-like noise: spatially correlated Gaussian (blur std 0.5–1.5 px) and Poisson–Gaussian
//     noise that is then blurred the same way (demosaicing), where it must read the noise RMS.
// Prints the flat/white ratio quantiles of both groups and the estimation error of 'auto' for each.
//   npx tsx ml/image/calibrate-noise-estimate.ts [--images 40] [--crop 256]
import { estimateNoiseLevels, type NoiseImage } from '../../main/engine/image/noise-estimate.ts';
import { addCorrelated, addGaussian, type Patch } from './corruption.ts';
import { loadRgb } from './images.ts';
import { Rng } from './rng.ts';
import { imageSplit } from './split.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Float RGB in [0,1] → 8-bit (clipped and rounded, as a saved photo is) and its true noise RMS. */
function quantise(noisy: Float32Array, clean: Float32Array): { img: NoiseImage; rms: number } {
  const u8 = new Uint8Array(noisy.length);
  let s = 0;
  for (let i = 0; i < noisy.length; i++) {
    u8[i] = Math.min(255, Math.max(0, Math.round(noisy[i] * 255)));
    s += (u8[i] - clean[i] * 255) ** 2;
  }
  return { img: { data: u8, width: 0, height: 0, channels: 3 }, rms: Math.sqrt(s / noisy.length) };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

const nImages = arg('images', 40);
const crop = arg('crop', 256);
const split = await imageSplit();
const rng = new Rng(20261127);
const files = split.train.filter((_, i) => i % Math.max(1, Math.floor(split.train.length / nImages)) === 0).slice(0, nImages);

interface Sample { kind: 'white' | 'camera'; rms: number; white: number; flat: number; auto: number }
const samples: Sample[] = [];
for (const f of files) {
  const im = await loadRgb(f);
  const w = Math.min(crop, im.width), h = Math.min(crop, im.height);
  const x0 = (im.width - w) >> 1, y0 = (im.height - h) >> 1;
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w * 3; x++) data[y * w * 3 + x] = im.data[((y0 + y) * im.width + x0) * 3 + x] / 255;
  const clean: Patch = { data, width: w, height: h };
  const cases: Array<{ kind: Sample['kind']; noisy: Float32Array }> = [];
  for (const sigma of [1, 2, 3, 5, 8, 10, 15, 25, 50]) cases.push({ kind: 'white', noisy: addGaussian(clean, sigma, rng).noisy });
  for (const sigma of [2, 3, 5, 8, 12]) cases.push({ kind: 'camera', noisy: addCorrelated(clean, sigma, rng.uniform(0.5, 1.5), rng).noisy });
  for (let k = 0; k < 3; k++) {
    // Sensor noise (std √(a·x + b)) shaped like demosaiced noise: a unit-RMS correlated field
    // (addCorrelated on a zero patch) scaled per sample. The true RMS is measured after quantising.
    const a = rng.uniform(2e-4, 4e-3), b = (rng.uniform(0.5, 3) / 255) ** 2;
    const field = addCorrelated({ data: new Float32Array(data.length), width: w, height: h }, 255, rng.uniform(0.5, 1.5), rng).noisy;
    const noisy = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) noisy[i] = data[i] + field[i] * Math.sqrt(Math.max(a * data[i] + b, 0));
    cases.push({ kind: 'camera', noisy });
  }
  for (const c of cases) {
    const q = quantise(c.noisy, data);
    const levels = estimateNoiseLevels([{ ...q.img, width: w, height: h }]);
    samples.push({ kind: c.kind, rms: q.rms, white: levels.white, flat: levels.flat, auto: levels.sigma });
  }
}

for (const kind of ['white', 'camera'] as const) {
  const s = samples.filter((x) => x.kind === kind);
  const ratios = s.map((x) => x.flat / Math.max(x.white, 1e-3));
  const relErr = s.map((x) => x.auto / x.rms - 1);
  const absErr = s.map((x) => Math.abs(x.auto - x.rms));
  const flatErr = s.map((x) => x.flat / x.rms - 1);
  console.log(
    `${kind.padEnd(6)} n=${s.length}  flat/white ratio q01 ${quantile(ratios, 0.01).toFixed(2)} q05 ${quantile(ratios, 0.05).toFixed(2)} median ${quantile(ratios, 0.5).toFixed(2)} q95 ${quantile(ratios, 0.95).toFixed(2)} q99 ${quantile(ratios, 0.99).toFixed(2)}` +
      `  | auto/rms−1 median ${(100 * quantile(relErr, 0.5)).toFixed(0)} %, |auto−rms| median ${quantile(absErr, 0.5).toFixed(2)} q90 ${quantile(absErr, 0.9).toFixed(2)}` +
      `  | flat/rms−1 q10 ${(100 * quantile(flatErr, 0.1)).toFixed(0)} % median ${(100 * quantile(flatErr, 0.5)).toFixed(0)} % q90 ${(100 * quantile(flatErr, 0.9)).toFixed(0)} %`,
  );
}
