// Rational polyphase resampler with a Kaiser-windowed sinc low-pass (≈ 90 dB stop band). Used to
// bring training/eval audio to the model's training rate and to run RNNoise at 48 kHz.

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function besselI0(x: number): number {
  let sum = 1, term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

interface Filter {
  readonly up: number;
  readonly down: number;
  readonly taps: number; // per phase
  readonly table: Float32Array; // [up][taps]
  readonly half: number; // taps/2
}

const filters = new Map<string, Filter>();

function design(up: number, down: number, halfZeroCrossings = 24, beta = 9): Filter {
  const key = `${up}/${down}`;
  const f0 = filters.get(key);
  if (f0) return f0;
  // cutoff relative to the input Nyquist: below the lower of the two Nyquists, with a transition band.
  const cutoff = Math.min(1, up / down) * 0.93;
  const half = Math.ceil(halfZeroCrossings / cutoff);
  const taps = 2 * half;
  const table = new Float32Array(up * taps);
  const i0b = besselI0(beta);
  for (let p = 0; p < up; p++) {
    // output sample at input position n + p/up uses input taps n − half + 1 … n + half
    const frac = p / up;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const x = j - half + 1 - frac; // distance in input samples
      const s = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
      const r = x / (half + 1);
      const w = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0b;
      table[p * taps + j] = s * w * cutoff;
      sum += table[p * taps + j];
    }
    // unity DC gain for every phase
    for (let j = 0; j < taps; j++) table[p * taps + j] /= sum;
  }
  const f = { up, down, taps, table, half };
  filters.set(key, f);
  return f;
}

/** Resamples `x` from rate `from` to rate `to` (both integers). Output length = ceil(len·to/from). */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x.slice();
  const g = gcd(from, to);
  const up = to / g, down = from / g;
  const f = design(up, down);
  const outLen = Math.ceil((x.length * up) / down);
  const out = new Float32Array(outLen);
  const { taps, table, half } = f;
  const n = x.length;
  for (let m = 0; m < outLen; m++) {
    const pos = m * down; // in units of 1/up input samples
    const i = Math.floor(pos / up);
    const p = pos - i * up;
    const base = i - half + 1;
    const row = p * taps;
    let acc = 0;
    if (base >= 0 && base + taps <= n) {
      for (let j = 0; j < taps; j++) acc += table[row + j] * x[base + j];
    } else {
      for (let j = 0; j < taps; j++) {
        const k = base + j;
        if (k >= 0 && k < n) acc += table[row + j] * x[k];
      }
    }
    out[m] = acc;
  }
  return out;
}
