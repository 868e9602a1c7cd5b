// Ceiling of the band-gain representation: the eval's synthetic set enhanced with ORACLE band gains
// min(1, √(clean band power / noisy band power)) in the model's 40 bands, through the same per-bin
// spreading and STFT pipeline. Prints SI-SDR and STOI per SNR (what a perfect gain model would get).
//   npx tsx ml/audio/oracle-gains.ts [mixtures per SNR, default 4]
import { syntheticTestSet } from './eval-audio.ts';
import { applyGains, istft, powerSpectrum, stft, frameSpecForRate } from '../../main/engine/audio/stft.ts';
import { bandLayout, bandPower, binGains, DEFAULT_BANDS } from '../../main/engine/models/audio-features.ts';
import { siSdr } from './metrics-basic.ts';
import { stoi } from './stoi.ts';
const sets = await syntheticTestSet(Number(process.argv[2] ?? 4));
const rate = 16000;
const spec = frameSpecForRate(rate, 0.01);
for (const [snr, mixes] of sets) {
  let s1 = 0, st = 0;
  for (const m of mixes) {
    const S = stft(m.noisy, spec); const C = stft(m.clean, spec);
    const lay = bandLayout(spec, rate, DEFAULT_BANDS);
    const PN = bandPower(powerSpectrum(S), S.nFrames, lay); const PC = bandPower(powerSpectrum(C), C.nFrames, lay);
    const g = new Float32Array(PN.length); for (let i = 0; i < g.length; i++) g[i] = Math.min(1, Math.sqrt(PC[i] / Math.max(PN[i], 1e-12)));
    const bg = binGains(g, S.nFrames, lay, 1e-5, PN);
    applyGains(S, bg);
    const y = istft(S, spec, m.noisy.length);
    s1 += siSdr(m.clean, y); st += stoi(m.clean, y, rate);
  }
  console.log(`${snr} dB: SI-SDR`, (s1 / mixes.length).toFixed(2), 'STOI', (st / mixes.length).toFixed(3));
}
