// Audio evaluation: `npm run eval -- audio` (via ml/eval.ts) or `npx tsx ml/audio/eval-audio.ts [--quick]`.
// Real pairs (vctk-p287) and a fixed synthetic set (held-out test speech + held-out test noise at
// −5, 0, 5, 10, 15 dB SNR): SI-SDR, STOI, ESTOI and segmental SNR for the noisy input, the Wiener
// baseline, RNNoise and the model; plus the model's parameters, GMAC per second and real-time
// factor. Prints a table and writes JSON to eval-results/.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../main/engine/tf/backend.ts';
import { loadAudioDenoiser, type TfAudioDenoiser } from '../../main/engine/models/audio-denoiser.ts';
import { rnnoiseDenoise, wienerDenoise } from './baselines.ts';
import { energy, noiseCrop, Rng, scaleToSnr } from './corrupt.ts';
import { loadSubset } from './dataset.ts';
import { enhanceWithDenoiser } from './enhance.ts';
import { readFlacMono } from './flac.ts';
import { segSnr, siSdr } from './metrics-basic.ts';
import { resample } from './resample.ts';
import { pairFiles } from './split.ts';
import { estoi, stoi } from './stoi.ts';
import { fullbandCheck, type FullbandReport } from './fullband.ts';

export const EVAL_SNRS = [-5, 0, 5, 10, 15] as const;
export const EVAL_RATE = 16000;
export type Method = 'noisy' | 'wiener' | 'rnnoise' | 'model';
export const METHODS: readonly Method[] = ['noisy', 'wiener', 'rnnoise', 'model'];

export interface Scores {
  siSdr: number;
  stoi: number;
  estoi: number;
  segSnr: number;
}

export interface EvalAudioOptions {
  /** 4 mixtures per SNR instead of 16 (CI-friendly). */
  quick?: boolean;
  /** Mixtures per SNR (overrides quick's 4 / the default 16). */
  perSnr?: number;
  /** Model folder (default resources/models/audio-dae); `model` is the same (ml/eval.ts's --model). */
  modelDir?: string;
  model?: string;
  /** Attenuation limit for the model (dB). Default 100 (effectively unlimited), like the baselines. */
  maxAttenuationDb?: number;
  /** Where to write the JSON (default eval-results/). */
  outDir?: string;
  log?: (line: string) => void;
}

export interface EvalAudioResult {
  readonly date: string;
  readonly backend: string;
  readonly model: { readonly dir: string; readonly params: number; readonly gmacPerSecond: number; readonly rtf: number; readonly rtfCpu: number; readonly maxAttenuationDb: number; readonly steps?: number };
  readonly synthetic: Record<string, Record<Method, Scores> & { n: number }>;
  readonly pairs: Record<Method, Scores> & { n: number };
  readonly fullband: FullbandReport;
  readonly file: string;
}

function score(clean: Float32Array, est: Float32Array, rate: number): Scores {
  return { siSdr: siSdr(clean, est), stoi: stoi(clean, est, rate), estoi: estoi(clean, est, rate), segSnr: segSnr(clean, est, rate) };
}

function mean(xs: Scores[]): Scores {
  const n = xs.length;
  return {
    siSdr: xs.reduce((s, x) => s + x.siSdr, 0) / n,
    stoi: xs.reduce((s, x) => s + x.stoi, 0) / n,
    estoi: xs.reduce((s, x) => s + x.estoi, 0) / n,
    segSnr: xs.reduce((s, x) => s + x.segSnr, 0) / n,
  };
}

export interface Mixture {
  readonly clean: Float32Array;
  readonly noisy: Float32Array;
  readonly snrDb: number;
}

/**
 * The fixed synthetic test set: per SNR, `perSnr` mixtures of 4 s of test speech (one clip or
 * consecutive clips of one speaker) with a crop of one test noise at exactly that SNR; speech at
 * −26 dBFS RMS. Seeded: identical in every run.
 */
export async function syntheticTestSet(perSnr: number): Promise<Map<number, Mixture[]>> {
  const test = await loadSubset('test', EVAL_RATE);
  const rng = new Rng(20251127);
  const len = 4 * EVAL_RATE;
  const bySpeaker = new Map<string, Float32Array[]>();
  for (const c of test.speech) {
    const spk = c.name.split('/').slice(-2, -1)[0] + (c.name.includes('mixed-speakers') || c.name.includes('librispeech') ? '/' + path.basename(c.name) : '');
    (bySpeaker.get(spk) ?? bySpeaker.set(spk, []).get(spk)!).push(c.samples);
  }
  const speakers = [...bySpeaker.keys()].sort();
  const out = new Map<number, Mixture[]>();
  for (const snr of EVAL_SNRS) {
    const list: Mixture[] = [];
    for (let i = 0; i < perSnr; i++) {
      const clips = bySpeaker.get(speakers[i % speakers.length])!;
      const clean = new Float32Array(len);
      let pos = 0;
      let k = rng.int(clips.length);
      while (pos < len) {
        const c = clips[k % clips.length];
        const start = pos === 0 && c.length > len ? rng.int(c.length - len) : 0;
        const n = Math.min(c.length - start, len - pos);
        clean.set(c.subarray(start, start + n), pos);
        pos += n + Math.round(0.15 * EVAL_RATE);
        k++;
      }
      const g = 10 ** (-26 / 20) / Math.sqrt(energy(clean) / len);
      for (let j = 0; j < len; j++) clean[j] *= g;
      const noise = noiseCrop(test.noise[(i * 7 + EVAL_SNRS.indexOf(snr)) % test.noise.length].samples, len, rng);
      scaleToSnr(clean, noise, snr);
      const noisy = new Float32Array(len);
      for (let j = 0; j < len; j++) noisy[j] = clean[j] + noise[j];
      list.push({ clean, noisy, snrDb: snr });
    }
    out.set(snr, list);
  }
  return out;
}

async function runMethods(d: TfAudioDenoiser, noisy: Float32Array, rate: number, limit: number, timing: { model: number; modelCpu: number; audio: number }): Promise<Record<Method, Float32Array>> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const model = await enhanceWithDenoiser(d, noisy, rate, limit);
  const c1 = process.cpuUsage(c0);
  timing.model += performance.now() - t0;
  timing.modelCpu += (c1.user + c1.system) / 1000;
  timing.audio += (noisy.length / rate) * 1000;
  return { noisy, wiener: wienerDenoise(noisy, rate), rnnoise: await rnnoiseDenoise(noisy, rate), model };
}

function fmtRow(label: string, s: Record<Method, Scores>): string {
  const cell = (m: Method) => `${s[m].siSdr.toFixed(2).padStart(6)} ${s[m].stoi.toFixed(3)} ${s[m].estoi.toFixed(3)} ${s[m].segSnr.toFixed(2).padStart(6)}`;
  return `${label.padEnd(10)} | ${METHODS.map(cell).join(' | ')}`;
}

/** The result as Markdown tables (for the model card). */
export function formatMarkdown(r: Pick<EvalAudioResult, 'synthetic' | 'pairs' | 'model' | 'fullband'>): string {
  const lines: string[] = [];
  const metric = (name: string, key: keyof Scores, digits: number) => {
    lines.push(`**${name}**`, '', `| set | ${METHODS.join(' | ')} |`, `|---|${METHODS.map(() => '---:').join('|')}|`);
    const row = (label: string, s: Record<Method, Scores>) => {
      const best = Math.max(...METHODS.filter((m) => m !== 'noisy').map((m) => s[m][key]));
      lines.push(`| ${label} | ${METHODS.map((m) => (m !== 'noisy' && s[m][key] === best ? `**${s[m][key].toFixed(digits)}**` : s[m][key].toFixed(digits))).join(' | ')} |`);
    };
    for (const snr of EVAL_SNRS) row(`synthetic ${snr} dB (n=${r.synthetic[`${snr}`].n})`, r.synthetic[`${snr}`]);
    row(`vctk-p287 real (n=${r.pairs.n})`, r.pairs);
    lines.push('');
  };
  metric('SI-SDR (dB)', 'siSdr', 2);
  metric('STOI', 'stoi', 3);
  metric('ESTOI', 'estoi', 3);
  metric('segmental SNR (dB)', 'segSnr', 2);
  return lines.join('\n');
}

export async function evalAudio(opts: EvalAudioOptions = {}): Promise<EvalAudioResult> {
  const say = opts.log ?? ((l: string) => console.log(l));
  const backend = await initBackend();
  const modelDir = path.resolve(opts.modelDir ?? opts.model ?? 'resources/models/audio-dae');
  const d = await loadAudioDenoiser(modelDir);
  const limit = opts.maxAttenuationDb ?? 100;
  // wall time and this process's CPU time (the machine is shared: CPU time is the fairer RTF)
  const timing = { model: 0, modelCpu: 0, audio: 0 };

  const perSnr = opts.perSnr ?? (opts.quick ? 4 : 16);
  const set = await syntheticTestSet(perSnr);
  const synthetic: EvalAudioResult['synthetic'] = {};
  for (const [snr, mixes] of set) {
    const acc: Record<Method, Scores[]> = { noisy: [], wiener: [], rnnoise: [], model: [] };
    for (const m of mixes) {
      const outs = await runMethods(d, m.noisy, EVAL_RATE, limit, timing);
      for (const k of METHODS) acc[k].push(score(m.clean, outs[k], EVAL_RATE));
    }
    synthetic[`${snr}`] = { n: mixes.length, noisy: mean(acc.noisy), wiener: mean(acc.wiener), rnnoise: mean(acc.rnnoise), model: mean(acc.model) };
    say(`synthetic ${snr} dB done (${mixes.length} mixtures)`);
  }

  const pairAcc: Record<Method, Scores[]> = { noisy: [], wiener: [], rnnoise: [], model: [] };
  const pairs = pairFiles('vctk-p287');
  for (const p of pairs) {
    const c = await readFlacMono(p.clean);
    const n = await readFlacMono(p.noisy);
    const clean = c.sampleRate === EVAL_RATE ? c.samples : resample(c.samples, c.sampleRate, EVAL_RATE);
    const noisy = n.sampleRate === EVAL_RATE ? n.samples : resample(n.samples, n.sampleRate, EVAL_RATE);
    const outs = await runMethods(d, noisy, EVAL_RATE, limit, timing);
    for (const k of METHODS) pairAcc[k].push(score(clean, outs[k], EVAL_RATE));
  }
  const pairsMean = { n: pairs.length, noisy: mean(pairAcc.noisy), wiener: mean(pairAcc.wiener), rnnoise: mean(pairAcc.rnnoise), model: mean(pairAcc.model) };

  const fullband = await fullbandCheck(d, limit);
  const model = {
    dir: path.relative(process.cwd(), modelDir) || modelDir,
    params: d.model.countParams(),
    gmacPerSecond: d.macsPerSecond / 1e9,
    rtf: timing.model / timing.audio,
    rtfCpu: timing.modelCpu / timing.audio,
    maxAttenuationDb: limit,
    steps: d.meta.steps,
  };
  const header = `${'set'.padEnd(10)} | ${METHODS.map((m) => `${m} (SI-SDR STOI ESTOI segSNR)`.padEnd(28)).join(' | ')}`;
  say('');
  say(`audio eval — backend ${backend.name}, model ${model.dir} (${model.params} params, ${model.gmacPerSecond.toFixed(3)} GMAC/s, RTF ${model.rtf.toFixed(4)} wall / ${model.rtfCpu.toFixed(4)} CPU incl. STFT at 16 kHz, limit ${limit} dB, ${model.steps ?? '?'} steps)`);
  say(header);
  for (const snr of EVAL_SNRS) say(fmtRow(`${snr} dB`, synthetic[`${snr}`]));
  say(fmtRow('vctk-p287', pairsMean));
  say(
    `full band @48 kHz (${fullband.seconds.toFixed(0)} s held-out KLettres): clean speech >8 kHz ${fullband.cleanHfChangeDb.toFixed(1)} dB (${fullband.cleanHfSpeechChangeDb.toFixed(1)} dB while speaking, ${fullband.cleanHfPeakChangeDb.toFixed(1)} dB in the 10 % of frames richest in >8 kHz energy), 0–8 kHz ${fullband.cleanLfChangeDb.toFixed(1)} dB; ` +
      `with white noise @10 dB: >8 kHz in pauses ${fullband.noisyHfPauseChangeDb.toFixed(1)} dB, in speech ${fullband.noisyHfSpeechVsCleanDb.toFixed(1)} dB re clean`,
  );

  const outDir = opts.outDir ?? path.resolve('eval-results');
  await mkdir(outDir, { recursive: true });
  const date = new Date().toISOString();
  const file = path.join(outDir, `audio-${date.replace(/[:.]/g, '-')}${opts.quick ? '-quick' : ''}.json`);
  const result: EvalAudioResult = { date, backend: backend.name, model, synthetic, pairs: pairsMean, fullband, file };
  await writeFile(file, JSON.stringify(result, null, 1));
  await writeFile(file.replace(/\.json$/, '.md'), formatMarkdown(result));
  say(`wrote ${path.relative(process.cwd(), file)}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const get = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  evalAudio({
    quick: args.includes('--quick'),
    modelDir: get('--model'),
    maxAttenuationDb: get('--limit') ? Number(get('--limit')) : undefined,
    perSnr: get('--per-snr') ? Number(get('--per-snr')) : undefined,
  }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
