// Image evaluation: PSNR/SSIM of the noisy input, the NLM baseline and the DAE on CBSD68 and McMaster
// at σ = 15/25/50 (DPIR protocol: clean uint8 → float, + N(0, σ²) from NumPy's RNG seeded 0 per
// image, no clipping of the noisy input, outputs rounded to uint8, PSNR/SSIM on RGB over the whole
// image) and on the CC15 real-noise pairs with σ estimated from the noisy image (`auto`).
// NLM results are cached in eval-results/nlm-cache.json: they never change for a given image, σ and
// parameter set, and they cost minutes per set on two cores.
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { loadImageDenoiser, type DisposableImageDenoiser } from '../../main/engine/models/image-denoiser.ts';
import { imageDaeCost } from '../../main/engine/models/image-dae.ts';
import { loadLayersModelFromDir } from '../../main/engine/tf/file-io.ts';
import { estimateImageNoise } from '../../main/engine/image/noise-estimate.ts';
import type { ImageDenoiser } from '../../main/engine/types.ts';
import { listImages, loadRgb, type RgbImage } from './images.ts';
import { psnr, ssim, toUint8 } from './metrics.ts';
import { nlmDenoise, nlmParams } from './nlm.ts';
import { NumpyRandomState } from './numpy-rng.ts';

export const EVAL_ROOT = path.resolve(process.cwd(), '../shared/data/images/eval');
export const SYNTHETIC_SETS = ['CBSD68', 'McMaster'] as const;
export const EVAL_SIGMAS = [15, 25, 50] as const;

export interface Score {
  readonly psnr: number;
  readonly ssim: number;
}
export interface Row {
  readonly set: string;
  readonly sigma: number | 'auto' | 'oracle';
  readonly images: number;
  readonly noisy: Score;
  readonly nlm: Score;
  readonly model: Score;
  /** Mean σ used on CC15: estimated (auto) or RMS of noisy − reference (oracle). */
  readonly meanEstimatedSigma?: number;
}
export interface ImageEvalReport {
  readonly modelDir: string;
  readonly backend: string;
  readonly params: number;
  readonly macPerPixel: number;
  readonly quick: boolean;
  readonly rows: Row[];
  readonly seconds: number;
  readonly date: string;
}

export interface EvalImageOptions {
  /** Evaluate only the first few images of every set (smoke test / progress check). */
  readonly quick?: boolean;
  readonly modelDir?: string;
  readonly outDir?: string;
  readonly log?: (line: string) => void;
  /** Only fill the NLM cache and score noisy/NLM (no model needed); model scores are NaN. */
  readonly baselinesOnly?: boolean;
}

/** DPIR noisy input: clean/255 + N(0, (σ/255)²) from np.random.seed(0), unclipped, as float32. */
export function dpirNoisy(clean: Uint8Array, sigma: number): Float32Array {
  const n = new NumpyRandomState(0).normal(0, sigma / 255, clean.length);
  const out = new Float32Array(clean.length);
  for (let i = 0; i < clean.length; i++) out[i] = clean[i] / 255 + n[i];
  return out;
}

/** Runs the denoiser on a whole image, mirror-padding it to the model's size multiple. */
export async function denoiseImage(d: ImageDenoiser, noisy: Float32Array, width: number, height: number, sigma: number): Promise<Float32Array> {
  const m = d.sizeMultiple;
  const pw = Math.ceil(width / m) * m;
  const ph = Math.ceil(height / m) * m;
  if (pw === width && ph === height) return (await d.denoise({ data: noisy, width, height }, sigma)).data;
  const padded = new Float32Array(pw * ph * 3);
  for (let y = 0; y < ph; y++) {
    const sy = y < height ? y : 2 * (height - 1) - y;
    for (let x = 0; x < pw; x++) {
      const sx = x < width ? x : 2 * (width - 1) - x;
      padded.set(noisy.subarray((sy * width + sx) * 3, (sy * width + sx) * 3 + 3), (y * pw + x) * 3);
    }
  }
  const out = (await d.denoise({ data: padded, width: pw, height: ph }, sigma)).data;
  const crop = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) crop.set(out.subarray(y * pw * 3, (y * pw + width) * 3), y * width * 3);
  return crop;
}

function score(out: Uint8Array, clean: Uint8Array, img: { width: number; height: number }): Score {
  return { psnr: psnr(out, clean), ssim: ssim(out, clean, img.width, img.height) };
}

function mean(xs: Score[]): Score {
  const n = Math.max(1, xs.length);
  return { psnr: xs.reduce((s, x) => s + x.psnr, 0) / n, ssim: xs.reduce((s, x) => s + x.ssim, 0) / n };
}

type NlmCache = Record<string, Score>;

async function readCache(file: string): Promise<NlmCache> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as NlmCache;
  } catch {
    return {};
  }
}

/** Adds one entry to the NLM cache file, merging with what other eval processes wrote meanwhile. */
async function cachePut(file: string, cache: NlmCache, key: string, value: Score): Promise<void> {
  cache[key] = value;
  const onDisk = await readCache(file);
  Object.assign(cache, { ...onDisk, ...cache });
  await writeJsonAtomic(file, cache);
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value, null, 1));
  await rename(tmp, file);
}

/** NLM on a float [0,1] noisy image, output rounded to uint8 like the model's. */
function nlmU8(noisy: Float32Array, img: RgbImage, sigma: number): Uint8Array {
  const scaled = new Float32Array(noisy.length);
  for (let i = 0; i < noisy.length; i++) scaled[i] = noisy[i] * 255;
  const out = nlmDenoise(scaled, img.width, img.height, sigma);
  for (let i = 0; i < out.length; i++) out[i] /= 255;
  return toUint8(out);
}

export async function evalImage(opts: EvalImageOptions = {}): Promise<ImageEvalReport> {
  const t0 = performance.now();
  const log = opts.log ?? ((s: string) => console.log(s));
  const modelDir = opts.modelDir ?? path.resolve(process.cwd(), 'resources/models/image-dae');
  const outDir = opts.outDir ?? path.resolve(process.cwd(), 'eval-results');
  await mkdir(outDir, { recursive: true });
  const backend = await initBackend();
  const baselinesOnly = opts.baselinesOnly === true;
  let cost = { params: 0, macPerPixel: 0 };
  let denoiser: DisposableImageDenoiser | undefined;
  if (!baselinesOnly) {
    const costModel = await loadLayersModelFromDir(modelDir);
    cost = imageDaeCost(costModel);
    costModel.dispose();
    denoiser = await loadImageDenoiser(modelDir);
  }
  const runModel = async (noisy: Float32Array, img: { width: number; height: number }, clean: Uint8Array, sigma: number): Promise<Score> => {
    if (denoiser === undefined) return { psnr: NaN, ssim: NaN };
    const out = await denoiseImage(denoiser, noisy, img.width, img.height, Math.min(255, sigma));
    return score(toUint8(out), clean, img);
  };
  const cacheFile = path.join(outDir, 'nlm-cache.json');
  const cache = await readCache(cacheFile);
  const rows: Row[] = [];
  const limit = opts.quick === true ? 4 : Infinity;

  for (const set of SYNTHETIC_SETS) {
    const names = (await listImages(path.join(EVAL_ROOT, set))).slice(0, limit);
    const images = await Promise.all(names.map((n) => loadRgb(path.join(EVAL_ROOT, set, n))));
    for (const sigma of EVAL_SIGMAS) {
      const noisyS: Score[] = [];
      const nlmS: Score[] = [];
      const modelS: Score[] = [];
      for (const img of images) {
        const noisy = dpirNoisy(img.data, sigma);
        noisyS.push(score(toUint8(noisy), img.data, img));
        const p = nlmParams(sigma);
        const key = `${set}/${img.name}/s${sigma}/f${p.patchRadius}r${p.searchRadius}h${p.h.toFixed(3)}`;
        if (cache[key] === undefined) await cachePut(cacheFile, cache, key, score(nlmU8(noisy, img, sigma), img.data, img));
        nlmS.push(cache[key]);
        modelS.push(await runModel(noisy, img, img.data, sigma));
      }
      const row: Row = { set, sigma, images: images.length, noisy: mean(noisyS), nlm: mean(nlmS), model: mean(modelS) };
      rows.push(row);
      log(formatRow(row));
    }
  }

  // CC15 real camera noise. σ = auto: estimated from the noisy image by the engine's estimator (what
  // the app does); the same σ drives NLM and the model. A second row uses the oracle σ (RMS of
  // noisy − reference) to separate the model's quality from the estimator's.
  const cc = (await listImages(path.join(EVAL_ROOT, 'CC15-real'))).filter((n) => n.endsWith('_real.png')).slice(0, limit);
  for (const mode of ['auto', 'oracle'] as const) {
    const noisyS: Score[] = [];
    const nlmS: Score[] = [];
    const modelS: Score[] = [];
    let sigmaSum = 0;
    for (const n of cc) {
      const noisyImg = await loadRgb(path.join(EVAL_ROOT, 'CC15-real', n));
      const ref = await loadRgb(path.join(EVAL_ROOT, 'CC15-real', n.replace('_real.png', '_mean.png')));
      const sigma =
        mode === 'auto'
          ? await estimateImageNoise(path.join(EVAL_ROOT, 'CC15-real', n))
          : Math.sqrt(noisyImg.data.reduce((acc, v, i) => acc + (v - ref.data[i]) ** 2, 0) / noisyImg.data.length);
      sigmaSum += sigma;
      const noisy = new Float32Array(noisyImg.data.length);
      for (let i = 0; i < noisy.length; i++) noisy[i] = noisyImg.data[i] / 255;
      noisyS.push(score(noisyImg.data, ref.data, ref));
      // NLM runs for σ = auto only (the oracle row isolates the model; NLM there would cost minutes).
      if (mode === 'auto') {
        const p = nlmParams(sigma);
        const key = `CC15-real/${n}/${mode}${sigma.toFixed(3)}/f${p.patchRadius}r${p.searchRadius}h${p.h.toFixed(3)}`;
        if (cache[key] === undefined) await cachePut(cacheFile, cache, key, score(nlmU8(noisy, noisyImg, sigma), ref.data, ref));
        nlmS.push(cache[key]);
      } else nlmS.push({ psnr: NaN, ssim: NaN });
      modelS.push(await runModel(noisy, noisyImg, ref.data, sigma));
    }
    const ccRow: Row = { set: 'CC15-real', sigma: mode, images: cc.length, noisy: mean(noisyS), nlm: mean(nlmS), model: mean(modelS), meanEstimatedSigma: sigmaSum / Math.max(1, cc.length) };
    rows.push(ccRow);
    log(formatRow(ccRow));
  }
  denoiser?.dispose();

  const report: ImageEvalReport = {
    modelDir: path.relative(process.cwd(), modelDir),
    backend: backend.name,
    params: cost.params,
    macPerPixel: cost.macPerPixel,
    quick: opts.quick === true,
    rows,
    seconds: (performance.now() - t0) / 1000,
    date: new Date().toISOString(),
  };
  const stamp = report.date.replace(/[:.]/g, '-');
  const tag = baselinesOnly ? 'image-baselines' : 'image';
  await writeJsonAtomic(path.join(outDir, `${tag}-${stamp}.json`), report);
  await writeJsonAtomic(path.join(outDir, `${tag}-latest.json`), report);
  return report;
}

const f2 = (x: number): string => (Number.isNaN(x) ? '—' : x.toFixed(2)).padStart(6);
const f4 = (x: number): string => (Number.isNaN(x) ? '—'.padEnd(6) : x.toFixed(4));

export function formatRow(r: Row): string {
  const sig = typeof r.sigma === 'string' ? `${r.sigma}(${(r.meanEstimatedSigma ?? 0).toFixed(1)})` : String(r.sigma);
  return `| ${r.set.padEnd(9)} | ${sig.padEnd(10)} | ${String(r.images).padStart(3)} | ${f2(r.noisy.psnr)} / ${f4(r.noisy.ssim)} | ${f2(r.nlm.psnr)} / ${f4(r.nlm.ssim)} | ${f2(r.model.psnr)} / ${f4(r.model.ssim)} |`;
}

export function formatTable(report: ImageEvalReport): string {
  const head = [
    `Image DAE (${report.modelDir}): ${report.params} params, ${Math.round(report.macPerPixel)} MAC/pixel, backend ${report.backend}${report.quick ? ', QUICK subset' : ''}`,
    '| set       | σ          |   n | noisy PSNR / SSIM | NLM PSNR / SSIM   | DAE PSNR / SSIM   |',
    '|-----------|------------|-----|-------------------|-------------------|-------------------|',
  ];
  return [...head, ...report.rows.map(formatRow)].join('\n');
}
