import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readFlacMono } from '../../../ml/audio/flac.ts';
import { segSnr, siSdr } from '../../../ml/audio/metrics-basic.ts';
import { pairFiles } from '../../../ml/audio/split.ts';
import { estoi, stoi } from '../../../ml/audio/stoi.ts';

const PAIRS = '../shared/data/audio/pairs';

describe('speech metrics against the reference implementations', () => {
  it('STOI and ESTOI reproduce the test vector (0.67392 / 0.39045)', async () => {
    const [p] = pairFiles('stoi-testvector');
    const c = await readFlacMono(p.clean);
    const n = await readFlacMono(p.noisy);
    expect(stoi(c.samples, n.samples, c.sampleRate)).toBeCloseTo(0.67392, 5);
    expect(estoi(c.samples, n.samples, c.sampleRate)).toBeCloseTo(0.39045, 5);
  });

  it('SI-SDR, STOI and ESTOI match the published per-file values of the vctk-p287 pairs', async () => {
    const ref = JSON.parse(readFileSync(`${PAIRS}/vctk-p287/reference_metrics_noisy_vs_clean.json`, 'utf8')) as {
      per_file: Record<string, { si_sdr: number; stoi: number; estoi: number }>;
    };
    for (const p of pairFiles('vctk-p287').slice(0, 3)) {
      const c = await readFlacMono(p.clean);
      const n = await readFlacMono(p.noisy);
      const r = ref.per_file[`${p.name}.wav`];
      expect(siSdr(c.samples, n.samples)).toBeCloseTo(r.si_sdr, 3);
      expect(stoi(c.samples, n.samples, 16000)).toBeCloseTo(r.stoi, 4);
      expect(estoi(c.samples, n.samples, 16000)).toBeCloseTo(r.estoi, 4);
    }
  });

  it('SI-SDR is scale-invariant and segmental SNR rises with less noise', async () => {
    const [p] = pairFiles('vctk-p287');
    const c = (await readFlacMono(p.clean)).samples;
    const n = (await readFlacMono(p.noisy)).samples;
    const scaled = n.map((v) => v * 3.7);
    expect(siSdr(c, scaled)).toBeCloseTo(siSdr(c, n), 6);
    const half = n.map((v, i) => c[i] + 0.5 * (v - c[i]));
    expect(segSnr(c, half, 16000)).toBeGreaterThan(segSnr(c, n, 16000) + 3);
    expect(siSdr(c, c)).toBeGreaterThan(100);
  });
});
