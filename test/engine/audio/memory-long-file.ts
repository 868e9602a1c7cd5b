// Memory check for long recordings (a script, not a timed test):
//   npx tsx test/engine/audio/memory-long-file.ts [--minutes 60] [--rate 48000] [--channels 2]
//       [--denoiser minstats|model] [--format wav|flac] [--input wav|flac]
// Generates a long 16-bit WAV on the fly in the temp folder (never held in memory), denoises it with
// denoiseAudioFile, and prints seconds, real-time factor and peak RSS. Temp files are removed.
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAudioWriter, denoiseAudioFile, probeAudio } from '../../../main/engine/audio/index.ts';
import type { AudioDenoiser } from '../../../main/engine/types.ts';
import { MinStatsDenoiser } from './helpers/min-stats-denoiser.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const minutes = Number(arg('minutes', '60'));
const rate = Number(arg('rate', '48000'));
const channels = Number(arg('channels', '2'));
const which = arg('denoiser', 'minstats');
const format = arg('format', 'wav') as 'wav' | 'flac';
const inputFormat = arg('input', 'wav') as 'wav' | 'flac';

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
sampler.unref();

async function makeDenoiser(): Promise<{ denoiser: AudioDenoiser; label: string }> {
  if (which === 'model') {
    const { loadAudioDenoiser } = await import('../../../main/engine/models/audio-denoiser.ts');
    const { initBackend } = await import('../../../main/engine/tf/backend.ts').catch(() => ({ initBackend: undefined }));
    if (initBackend) await (initBackend as () => Promise<unknown>)();
    return { denoiser: await loadAudioDenoiser('resources/models/audio-dae'), label: 'audio-dae (TF.js)' };
  }
  return { denoiser: new MinStatsDenoiser(8), label: 'min-statistics test denoiser (JS)' };
}

async function main(): Promise<void> {
  const dir = tmpdir();
  const input = join(dir, `hush-long-${process.pid}.${inputFormat}`);
  const output = join(dir, `hush-long-${process.pid}-out.${format}`);
  const total = Math.round(minutes * 60 * rate);
  const t0 = performance.now();
  const w = await createAudioWriter(input, { format: inputFormat, sampleFormat: 'pcm16', sampleRate: rate, channels });
  let s = 12345;
  const block = 1 << 16;
  for (let o = 0; o < total; o += block) {
    const n = Math.min(block, total - o);
    const chans = Array.from({ length: channels }, (_, c) => {
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const t = (o + i) / rate;
        s = (s * 1664525 + 1013904223) >>> 0;
        const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 0.3 * t + c);
        x[i] = 0.3 * env * Math.sin(2 * Math.PI * (220 + 110 * c) * t) + 0.03 * (s / 4294967296 - 0.5);
      }
      return x;
    });
    await w.write(chans);
  }
  await w.finish();
  const genSec = (performance.now() - t0) / 1000;
  const rssAfterGen = peakRss;
  const { denoiser, label } = await makeDenoiser();
  peakRss = process.memoryUsage().rss;
  const t1 = performance.now();
  let lastPct = -1;
  const res = await denoiseAudioFile(input, output, { reductionDb: 20, format }, {
    denoiser,
    onProgress: (stage, f) => {
      const pct = Math.floor(f * 10);
      if (stage === 'denoising' && pct !== lastPct) {
        lastPct = pct;
        process.stderr.write(`  ${pct * 10}% rss=${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`);
      }
    },
  });
  const sec = (performance.now() - t1) / 1000;
  const probe = await probeAudio(output);
  const report = {
    audio: `${minutes} min, ${rate} Hz, ${channels} ch (${(statSync(input).size / 2 ** 20).toFixed(0)} MiB ${inputFormat} in, ${(statSync(output).size / 2 ** 20).toFixed(0)} MiB ${format} out)`,
    denoiser: label,
    generateSeconds: +genSec.toFixed(1),
    denoiseSeconds: +sec.toFixed(1),
    realTimeFactor: +(sec / (minutes * 60)).toFixed(4),
    peakRssDuringDenoiseMiB: +(peakRss / 2 ** 20).toFixed(0),
    peakRssDuringGenerateMiB: +(rssAfterGen / 2 ** 20).toFixed(0),
    processMaxRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(0),
    outputSeconds: +probe.durationSec.toFixed(3),
    result: res,
  };
  rmSync(input, { force: true });
  rmSync(output, { force: true });
  console.log(JSON.stringify(report, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
