// Sample-domain speech quality metrics: SI-SDR (Le Roux et al. 2019, zero-mean) and segmental SNR.

/** Scale-invariant SDR in dB of `estimate` against `reference` (both zero-meaned first). */
export function siSdr(reference: Float32Array, estimate: Float32Array): number {
  const n = Math.min(reference.length, estimate.length);
  let mr = 0, me = 0;
  for (let i = 0; i < n; i++) {
    mr += reference[i];
    me += estimate[i];
  }
  mr /= n;
  me /= n;
  let dot = 0, rr = 0;
  for (let i = 0; i < n; i++) {
    const r = reference[i] - mr;
    dot += r * (estimate[i] - me);
    rr += r * r;
  }
  const a = dot / Math.max(rr, 1e-30);
  let target = 0, err = 0;
  for (let i = 0; i < n; i++) {
    const t = a * (reference[i] - mr);
    const e = estimate[i] - me - t;
    target += t * t;
    err += e * e;
  }
  return 10 * Math.log10(Math.max(target, 1e-30) / Math.max(err, 1e-30));
}

/**
 * Segmental SNR (dB): mean over 30 ms frames (50 % overlap) of the per-frame SNR clamped to
 * [−10, 35] dB, skipping frames where the reference is silent (> 40 dB below its loudest frame),
 * the usual speech-enhancement definition (Hansen & Pellom 1998 with a VAD on the reference).
 */
export function segSnr(reference: Float32Array, estimate: Float32Array, sampleRate: number): number {
  const n = Math.min(reference.length, estimate.length);
  const len = Math.round(0.03 * sampleRate), hop = len >> 1;
  const frames: { s: number; e: number }[] = [];
  let maxS = 0;
  for (let a = 0; a + len <= n; a += hop) {
    let s = 0, e = 0;
    for (let i = a; i < a + len; i++) {
      s += reference[i] * reference[i];
      const d = reference[i] - estimate[i];
      e += d * d;
    }
    frames.push({ s, e });
    maxS = Math.max(maxS, s);
  }
  let sum = 0, count = 0;
  for (const f of frames) {
    if (f.s < maxS * 1e-4 || f.s === 0) continue;
    const snr = 10 * Math.log10(f.s / Math.max(f.e, 1e-20));
    sum += Math.min(35, Math.max(-10, snr));
    count++;
  }
  return count > 0 ? sum / count : 0;
}
