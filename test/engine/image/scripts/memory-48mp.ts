// Peak memory of denoiseImageFile on a 48-megapixel JPEG (8000×6000). Not a timed test: a check to run
// by hand and report.
//   npx tsx test/engine/image/scripts/memory-48mp.ts [blur|model] [tileSize] [WIDTHxHEIGHT]
// (default 8000x6000; a smaller size with the same width measures the same tile band more quickly).
// `blur` uses the plain-TS test denoiser (fast; measures the pipeline itself); `model` the TF.js image
// DAE (trained weights from resources/models/image-dae when present, else freshly initialised ones of
// the same architecture — same memory and compute). The denoise runs in a child process so the peak RSS
// printed is the pipeline's alone, not the generator's.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const self = fileURLToPath(import.meta.url);

async function child(input: string, output: string, kind: string, tileSize: number): Promise<void> {
  const { denoiseImageFile } = await import('../../../../main/engine/image/pipeline.ts');
  let denoiser;
  let backend = 'none (plain TypeScript)';
  if (kind === 'model') {
    const { initBackend } = await import('../../../../main/engine/tf/backend.ts');
    const info = await initBackend();
    backend = `${info.name}${info.simd ? ' (SIMD)' : ''}, ${info.threads} thread(s)`;
    const models = await import('../../../../main/engine/models/image-denoiser.ts');
    const dir = join(process.cwd(), 'resources/models/image-dae');
    if (existsSync(join(dir, 'model.json'))) {
      denoiser = await models.loadImageDenoiser(dir);
    } else {
      const { buildImageDae } = await import('../../../../main/engine/models/image-dae.ts');
      denoiser = models.imageDenoiserFromModel(buildImageDae());
      backend += ', untrained weights';
    }
  } else {
    const { BlurBlockDenoiser } = await import('../test-denoisers.ts');
    denoiser = new BlurBlockDenoiser(3, 4);
  }
  let peakSampled = 0;
  const timer = setInterval(() => { peakSampled = Math.max(peakSampled, process.memoryUsage().rss); }, 200);
  const t0 = performance.now();
  const r = await denoiseImageFile(input, output, { sigma: 15, tileSize }, { denoiser });
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  const maxRss = process.resourceUsage().maxRSS / 1024; // kB → MB
  console.log(JSON.stringify({ width: r.width, height: r.height, seconds: +seconds.toFixed(1), peakRssMB: Math.round(maxRss), backend, tileSize, denoiser: kind, receptiveField: denoiser.receptiveField }));
}

async function main(): Promise<void> {
  const [mode, a, b, c, d] = process.argv.slice(2);
  if (mode === '--child') return child(a, b, c, Number(d));
  const kind = mode === 'model' ? 'model' : 'blur';
  const tileSize = Number(a ?? 512);
  const [W, H] = (b ?? '8000x6000').split('x').map(Number);
  const work = await mkdtemp(join(tmpdir(), 'hush-48mp-'));
  try {
    const input = join(work, 'big.jpg');
    // A photo-like 48 MP JPEG: a real photo upscaled, plus grain.
    await sharp(join(process.cwd(), '../shared/data/images/train/free-photos/astronaut.png'))
      .resize(W, H, { fit: 'fill' })
      .composite([{ input: { create: { width: W, height: H, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } } }, blend: 'overlay' }])
      .jpeg({ quality: 90 })
      .toFile(input);
    console.error(`input ${(await stat(input)).size >> 20} MB JPEG, ${W}×${H}`);
    const res = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', input, join(work, 'out.jpg'), kind, String(tileSize)], { stdio: 'inherit' });
    if (res.status !== 0) process.exitCode = res.status ?? 1;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
