// Which σ should the (AWGN-trained) image DAE get for real camera noise? On CC15-real pairs, denoise the
// noisy crop at several σ — the 'auto' estimate, the σ measured from noisy − mean, fixed values — and
// report PSNR against the mean-of-shots reference.
//   npx tsx test/engine/image/scripts/real-noise-sigma.ts [pairs=5]
import sharp from 'sharp';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../../../main/engine/tf/backend.ts';
import { loadImageDenoiser } from '../../../../main/engine/models/image-denoiser.ts';
import { estimateNoiseLevels } from '../../../../main/engine/image/noise-estimate.ts';
import { MemoryRaster } from '../../../../main/engine/image/raster.ts';
import { denoiseRaster } from '../../../../main/engine/image/tiling.ts';

const dir = join(process.cwd(), '../shared/data/images/eval/CC15-real');
const psnr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let ss = 0;
  for (let i = 0; i < a.length; i++) ss += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (ss / a.length));
};
const info = await initBackend();
const denoiser = await loadImageDenoiser(join(process.cwd(), 'resources/models/image-dae'));
const files = readdirSync(dir).filter((f) => f.endsWith('_real.png')).sort();
const n = Number(process.argv[2] ?? 5);
const picked = files.filter((_, i) => i % Math.max(1, Math.floor(files.length / n)) === 0).slice(0, n);
const totals: Record<string, number> = {};
for (const f of picked) {
  const { data, info: im } = await sharp(join(dir, f)).raw().toBuffer({ resolveWithObject: true });
  const mean = await sharp(join(dir, f.replace('_real', '_mean'))).raw().toBuffer();
  let ss = 0;
  for (let i = 0; i < mean.length; i++) ss += (data[i] - mean[i]) ** 2;
  const measured = Math.sqrt(ss / mean.length);
  const lv = estimateNoiseLevels([{ data: new Uint8Array(data), width: im.width, height: im.height, channels: 3 }]);
  const candidates: Record<string, number> = { auto: lv.sigma, measured, '2×auto': 2 * lv.sigma, '5': 5, '10': 10, '15': 15 };
  const row: string[] = [`${f.padEnd(28)} noisy ${psnr(data, mean).toFixed(2)}`];
  totals.noisy = (totals.noisy ?? 0) + psnr(data, mean);
  for (const [name, sigma] of Object.entries(candidates)) {
    const r = new MemoryRaster(new Uint8Array(data), im.width, im.height, 3, 8);
    await denoiseRaster(r, denoiser, sigma);
    const p = psnr(r.output, mean);
    totals[name] = (totals[name] ?? 0) + p;
    row.push(`${name}(${sigma.toFixed(1)}) ${p.toFixed(2)}`);
  }
  console.log(row.join('  '));
}
console.log(`mean PSNR over ${picked.length} pairs (backend ${info.name}):`, Object.entries(totals).map(([k, v]) => `${k} ${(v / picked.length).toFixed(2)}`).join(', '));
