// A small, correct FLAC encoder: fixed predictors (orders 0–4), partitioned Rice coding, stereo
// decorrelation (left/side, right/side, mid/side), constant and verbatim subframes, and STREAMINFO
// with the MD5 of the samples. It compresses somewhat less than libFLAC's LPC modes but is lossless
// and bit-exact (checked in tests by decoding with libFLAC's wasm build).
import { createHash, type Hash } from 'node:crypto';

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let b = 0; b < 8; b++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  CRC8[i] = c;
  let d = i << 8;
  for (let b = 0; b < 8; b++) d = d & 0x8000 ? ((d << 1) ^ 0x8005) & 0xffff : (d << 1) & 0xffff;
  CRC16[i] = d;
}

function crc8(b: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) c = CRC8[c ^ b[i]];
  return c;
}

function crc16(b: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) c = ((c << 8) & 0xffff) ^ CRC16[(c >> 8) ^ b[i]];
  return c;
}

/** MSB-first bit writer into a growable byte buffer. */
class BitWriter {
  buf = new Uint8Array(1 << 16);
  pos = 0;
  private acc = 0;
  private nacc = 0;

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let n = this.buf.length * 2;
    while (n < this.pos + extra) n *= 2;
    const b = new Uint8Array(n);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  /** Writes the low `n` bits of `v` (n ≤ 24 per step; larger n is split). */
  write(v: number, n: number): void {
    if (n > 24) {
      const hi = Math.floor(v / 2 ** (n - 24));
      this.write(hi & 0xffffff, 24);
      this.write(v - hi * 2 ** (n - 24), n - 24);
      return;
    }
    if (n === 0) return;
    this.ensure(4);
    this.acc = (this.acc << n) | (v & ((1 << n) - 1));
    this.nacc += n;
    while (this.nacc >= 8) {
      this.nacc -= 8;
      this.buf[this.pos++] = (this.acc >>> this.nacc) & 0xff;
    }
    this.acc &= (1 << this.nacc) - 1;
  }

  /** Rice code of a non-negative value: unary quotient (zeros then a one), then k low bits. */
  writeRice(u: number, k: number): void {
    let q = u >>> k;
    while (q >= 24) {
      this.write(0, 24);
      q -= 24;
    }
    this.write(1, q + 1);
    if (k > 0) this.write(u & (k >= 31 ? 0x7fffffff : (1 << k) - 1), k);
  }

  alignToByte(): void {
    if (this.nacc > 0) this.write(0, 8 - this.nacc);
  }

  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }
}

const RATE_CODES: Record<number, number> = {
  88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11,
};
const SIZE_CODES: Record<number, number> = { 8: 1, 12: 2, 16: 4, 20: 5, 24: 6 };

export interface FlacEncoderOptions {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: 16 | 24;
  readonly blockSize?: number;
}

/** Checks whether FLAC can store this stream; returns a reason when it cannot. */
export function flacUnsupportedReason(sampleRate: number, channels: number): string | null {
  if (channels < 1 || channels > 8) return `FLAC stores 1–8 channels, this audio has ${channels}`;
  if (!(sampleRate >= 1 && sampleRate <= 655350 && Number.isInteger(sampleRate))) return `FLAC cannot store a sample rate of ${sampleRate} Hz`;
  return null;
}

/** Residual of fixed predictor `order` for samples [order, n) into `out` (length n - order). */
function fixedResidual(x: Int32Array, n: number, order: number, out: Int32Array): void {
  switch (order) {
    case 0:
      for (let i = 0; i < n; i++) out[i] = x[i];
      break;
    case 1:
      for (let i = 1; i < n; i++) out[i - 1] = x[i] - x[i - 1];
      break;
    case 2:
      for (let i = 2; i < n; i++) out[i - 2] = x[i] - 2 * x[i - 1] + x[i - 2];
      break;
    case 3:
      for (let i = 3; i < n; i++) out[i - 3] = x[i] - 3 * x[i - 1] + 3 * x[i - 2] - x[i - 3];
      break;
    default:
      for (let i = 4; i < n; i++) out[i - 4] = x[i] - 4 * x[i - 1] + 6 * x[i - 2] - 4 * x[i - 3] + x[i - 4];
  }
}

/** Best fixed order by the sum of absolute residuals (one pass for all orders, as libFLAC does). */
function bestFixedOrder(x: Int32Array, n: number): number {
  if (n < 5) return 0;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  let p1 = x[3] - x[2];
  let p2 = p1 - (x[2] - x[1]);
  let p3 = p2 - (x[2] - x[1] - (x[1] - x[0]));
  for (let i = 4; i < n; i++) {
    const e0 = x[i];
    const e1 = e0 - x[i - 1];
    const e2 = e1 - p1;
    const e3 = e2 - p2;
    const e4 = e3 - p3;
    s0 += Math.abs(e0);
    s1 += Math.abs(e1);
    s2 += Math.abs(e2);
    s3 += Math.abs(e3);
    s4 += Math.abs(e4);
    p1 = e1;
    p2 = e2;
    p3 = e3;
  }
  let best = 0, bestSum = s0;
  const sums = [s0, s1, s2, s3, s4];
  for (let o = 1; o < 5; o++) {
    if (sums[o] < bestSum) {
      best = o;
      bestSum = sums[o];
    }
  }
  return best;
}

interface RicePlan {
  readonly partitionOrder: number;
  readonly params: Int32Array;
  readonly method: 0 | 1; // 1 = 5-bit parameters
  readonly bits: number;
}

/** Chooses partition order and Rice parameters from zig-zagged residuals (estimated cost). */
function planRice(u: Uint32Array, count: number, blockSize: number, predOrder: number): RicePlan {
  let maxP = 0;
  while (maxP < 8 && blockSize % (1 << (maxP + 1)) === 0 && blockSize >> (maxP + 1) > predOrder) maxP++;
  let best: RicePlan | null = null;
  // Sums at the finest level, merged for coarser orders.
  const parts = 1 << maxP;
  const sums = new Float64Array(parts);
  const counts = new Int32Array(parts);
  const len = blockSize >> maxP;
  for (let p = 0, i = 0; p < parts; p++) {
    const m = p === 0 ? len - predOrder : len;
    let s = 0;
    for (let j = 0; j < m; j++, i++) s += u[i];
    sums[p] = s;
    counts[p] = m;
  }
  void count;
  for (let order = maxP; order >= 0; order--) {
    const np = 1 << order;
    const step = 1 << (maxP - order);
    const params = new Int32Array(np);
    let bits = 0;
    let wide = false;
    for (let p = 0; p < np; p++) {
      let s = 0, m = 0;
      for (let q = p * step; q < (p + 1) * step; q++) {
        s += sums[q];
        m += counts[q];
      }
      let k = m > 0 && s > m ? Math.floor(Math.log2(s / m)) : 0;
      let cost = Infinity;
      let bestK = 0;
      for (let kk = Math.max(0, k - 1); kk <= Math.min(30, k + 1); kk++) {
        const c = m * (kk + 1) + s / 2 ** kk;
        if (c < cost) {
          cost = c;
          bestK = kk;
        }
      }
      k = bestK;
      params[p] = k;
      if (k > 14) wide = true;
      bits += cost;
    }
    bits += np * (wide ? 5 : 4);
    if (!best || bits < best.bits) best = { partitionOrder: order, params, method: wide ? 1 : 0, bits };
  }
  return best!;
}

/** Encodes one subframe of `n` samples at `bps` bits into `w`. */
function writeSubframe(w: BitWriter, x: Int32Array, n: number, bps: number, scratch: { r: Int32Array; u: Uint32Array }): void {
  let constant = true;
  for (let i = 1; i < n && constant; i++) if (x[i] !== x[0]) constant = false;
  if (constant) {
    w.write(0, 1);
    w.write(0, 6);
    w.write(0, 1);
    w.write(x[0] & (bps >= 32 ? 0xffffffff : 2 ** bps - 1), bps);
    return;
  }
  const order = Math.min(bestFixedOrder(x, n), n - 1);
  const m = n - order;
  fixedResidual(x, n, order, scratch.r);
  const r = scratch.r;
  const u = scratch.u;
  for (let i = 0; i < m; i++) u[i] = ((r[i] << 1) ^ (r[i] >> 31)) >>> 0;
  const plan = planRice(u, m, n, order);
  const fixedBits = 8 + order * bps + 6 + plan.bits;
  if (fixedBits >= n * bps + 8) {
    w.write(0, 1);
    w.write(1, 6); // verbatim
    w.write(0, 1);
    const mask = 2 ** bps - 1;
    for (let i = 0; i < n; i++) w.write(x[i] < 0 ? x[i] + 2 ** bps : x[i] & mask, bps);
    return;
  }
  w.write(0, 1);
  w.write(8 | order, 6);
  w.write(0, 1);
  for (let i = 0; i < order; i++) w.write(x[i] < 0 ? x[i] + 2 ** bps : x[i], bps);
  w.write(plan.method, 2);
  w.write(plan.partitionOrder, 4);
  const np = 1 << plan.partitionOrder;
  const len = n >> plan.partitionOrder;
  const paramBits = plan.method === 1 ? 5 : 4;
  for (let p = 0, i = 0; p < np; p++) {
    const k = plan.params[p];
    w.write(k, paramBits);
    const cnt = p === 0 ? len - order : len;
    for (let j = 0; j < cnt; j++, i++) w.writeRice(u[i], k);
  }
}

/** Estimated bits of a subframe, used to pick the stereo decorrelation mode. */
function estimateBits(x: Int32Array, n: number): number {
  const order = n < 5 ? 0 : bestFixedOrder(x, n);
  let s = 0;
  if (order === 0) for (let i = 0; i < n; i++) s += Math.abs(x[i]);
  else {
    const r = new Int32Array(n - order);
    fixedResidual(x, n, order, r);
    for (let i = 0; i < r.length; i++) s += Math.abs(r[i]);
  }
  const mean = s / Math.max(1, n);
  return n * (Math.log2(mean + 1) + 1.5);
}

function utf8FrameNumber(w: BitWriter, v: number): void {
  if (v < 0x80) return w.write(v, 8);
  const bytes: number[] = [];
  let lead: number;
  let nCont: number;
  if (v < 0x800) [nCont, lead] = [1, 0xc0];
  else if (v < 0x10000) [nCont, lead] = [2, 0xe0];
  else if (v < 0x200000) [nCont, lead] = [3, 0xf0];
  else if (v < 0x4000000) [nCont, lead] = [4, 0xf8];
  else [nCont, lead] = [5, 0xfc];
  for (let i = 0; i < nCont; i++) {
    bytes.unshift(0x80 | (v & 0x3f));
    v = Math.floor(v / 64);
  }
  w.write(lead | v, 8);
  for (const b of bytes) w.write(b, 8);
}

/**
 * Streaming FLAC encoder. Feed integer samples with `encode`; complete frames come back as bytes.
 * `finish` flushes the last (short) block and returns the final STREAMINFO.
 */
export class FlacEncoder {
  readonly blockSize: number;
  private readonly pending: Int32Array[];
  private pendingFrames = 0;
  private frameNumber = 0;
  private totalSamples = 0;
  private minFrame = Infinity;
  private maxFrame = 0;
  private readonly md5: Hash = createHash('md5');
  private readonly w = new BitWriter();
  private readonly scratch: { r: Int32Array; u: Uint32Array };
  private readonly side: Int32Array;
  private readonly mid: Int32Array;

  constructor(private readonly opts: FlacEncoderOptions) {
    const reason = flacUnsupportedReason(opts.sampleRate, opts.channels);
    if (reason) throw new RangeError(reason);
    this.blockSize = opts.blockSize ?? 4096;
    this.pending = Array.from({ length: opts.channels }, () => new Int32Array(this.blockSize));
    this.scratch = { r: new Int32Array(this.blockSize), u: new Uint32Array(this.blockSize) };
    this.side = new Int32Array(this.blockSize);
    this.mid = new Int32Array(this.blockSize);
  }

  static readonly VENDOR = 'Hush FLAC encoder (fixed predictors)';

  /**
   * "fLaC", STREAMINFO (placeholder until finish), then `extra` metadata blocks (e.g. the input's
   * Vorbis comments and pictures) or, without a VORBIS_COMMENT among them, one naming the encoder.
   */
  header(extra: readonly { type: number; body: Uint8Array }[] = [], streamInfo = this.streamInfo(new Uint8Array(16))): Uint8Array {
    const blocks = extra.filter((b) => b.body.length < 1 << 24);
    if (!blocks.some((b) => b.type === 4)) {
      const vendor = new TextEncoder().encode(FlacEncoder.VENDOR);
      const vc = new Uint8Array(4 + vendor.length + 4);
      new DataView(vc.buffer).setUint32(0, vendor.length, true);
      vc.set(vendor, 4);
      blocks.unshift({ type: 4, body: vc });
    }
    const size = 4 + 4 + 34 + blocks.reduce((s, b) => s + 4 + b.body.length, 0);
    const out = new Uint8Array(size);
    out.set([0x66, 0x4c, 0x61, 0x43], 0);
    out.set([0x00, 0, 0, 34], 4);
    out.set(streamInfo, 8);
    let o = 42;
    blocks.forEach((b, i) => {
      const n = b.body.length;
      out.set([(i === blocks.length - 1 ? 0x80 : 0) | b.type, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff], o);
      out.set(b.body, o + 4);
      o += 4 + n;
    });
    return out;
  }

  /** Offset of the STREAMINFO body inside `header()`, for patching at the end. */
  static readonly STREAMINFO_OFFSET = 8;

  private streamInfo(md5: Uint8Array): Uint8Array {
    const w = new BitWriter();
    const { sampleRate, channels, bitsPerSample } = this.opts;
    const bs = this.blockSize; // as libFLAC: the nominal size, even for a single short block
    w.write(bs, 16);
    w.write(bs, 16);
    w.write(Number.isFinite(this.minFrame) ? this.minFrame : 0, 24);
    w.write(this.maxFrame, 24);
    w.write(sampleRate, 20);
    w.write(channels - 1, 3);
    w.write(bitsPerSample - 1, 5);
    w.write(this.totalSamples, 36);
    const out = w.take();
    const full = new Uint8Array(34);
    full.set(out, 0);
    full.set(md5, 18);
    return full;
  }

  /** Adds `frames` samples per channel (integers in the bit depth's range). Returns finished frames. */
  encode(channels: readonly Int32Array[], frames: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let off = 0;
    while (off < frames) {
      const take = Math.min(frames - off, this.blockSize - this.pendingFrames);
      for (let c = 0; c < this.opts.channels; c++) this.pending[c].set(channels[c].subarray(off, off + take), this.pendingFrames);
      this.pendingFrames += take;
      off += take;
      if (this.pendingFrames === this.blockSize) out.push(this.encodeFrame(this.blockSize));
    }
    return out;
  }

  /** Encodes the remaining samples and returns them with the final STREAMINFO (34 bytes). */
  finish(): { frames: Uint8Array[]; streamInfo: Uint8Array } {
    const frames = this.pendingFrames > 0 ? [this.encodeFrame(this.pendingFrames)] : [];
    return { frames, streamInfo: this.streamInfo(this.md5.digest()) };
  }

  private updateMd5(n: number): void {
    const nch = this.opts.channels;
    const bytesPer = this.opts.bitsPerSample / 8;
    const b = Buffer.allocUnsafe(n * nch * bytesPer);
    let i = 0;
    for (let f = 0; f < n; f++) {
      for (let c = 0; c < nch; c++) {
        const v = this.pending[c][f];
        b[i++] = v & 0xff;
        b[i++] = (v >> 8) & 0xff;
        if (bytesPer === 3) b[i++] = (v >> 16) & 0xff;
      }
    }
    this.md5.update(b);
  }

  private encodeFrame(n: number): Uint8Array {
    const { channels, bitsPerSample: bps, sampleRate } = this.opts;
    this.updateMd5(n);
    const w = this.w;
    // Stereo: choose the cheapest of L/R, L/S, R/S and M/S by estimated size.
    let assignment = channels - 1;
    let subs: { x: Int32Array; bps: number }[] = this.pending.map((x) => ({ x, bps }));
    if (channels === 2) {
      const [l, r] = this.pending;
      for (let i = 0; i < n; i++) {
        this.side[i] = l[i] - r[i];
        this.mid[i] = (l[i] + r[i]) >> 1;
      }
      const eL = estimateBits(l, n), eR = estimateBits(r, n), eS = estimateBits(this.side, n), eM = estimateBits(this.mid, n);
      const options = [
        { a: channels - 1, cost: eL + eR, subs: [{ x: l, bps }, { x: r, bps }] },
        { a: 8, cost: eL + eS, subs: [{ x: l, bps }, { x: this.side, bps: bps + 1 }] },
        { a: 9, cost: eS + eR, subs: [{ x: this.side, bps: bps + 1 }, { x: r, bps }] },
        { a: 10, cost: eM + eS, subs: [{ x: this.mid, bps }, { x: this.side, bps: bps + 1 }] },
      ];
      options.sort((p, q) => p.cost - q.cost);
      assignment = options[0].a;
      subs = options[0].subs;
    }
    // Frame header
    const start = w.pos;
    w.write(0xfff8, 16);
    const bsCode = n === this.blockSize && this.blockSize === 4096 ? 12 : n <= 256 ? 6 : 7;
    w.write(bsCode, 4);
    // Uncommon rates go explicitly into the header (code 0, "see STREAMINFO", trips some decoders).
    let rateCode = RATE_CODES[sampleRate] ?? 0;
    if (rateCode === 0) {
      if (sampleRate % 1000 === 0 && sampleRate / 1000 < 256) rateCode = 12;
      else if (sampleRate < 65536) rateCode = 13;
      else if (sampleRate % 10 === 0 && sampleRate / 10 < 65536) rateCode = 14;
    }
    w.write(rateCode, 4);
    w.write(assignment, 4);
    w.write(SIZE_CODES[bps], 3);
    w.write(0, 1);
    utf8FrameNumber(w, this.frameNumber);
    if (bsCode === 6) w.write(n - 1, 8);
    else if (bsCode === 7) w.write(n - 1, 16);
    if (rateCode === 12) w.write(sampleRate / 1000, 8);
    else if (rateCode === 13) w.write(sampleRate, 16);
    else if (rateCode === 14) w.write(sampleRate / 10, 16);
    w.write(crc8(w.buf, start, w.pos), 8);
    for (const s of subs) writeSubframe(w, s.x, n, s.bps, this.scratch);
    w.alignToByte();
    w.write(crc16(w.buf, start, w.pos), 16);
    const bytes = w.take();
    this.frameNumber++;
    this.totalSamples += n;
    this.pendingFrames = 0;
    this.minFrame = Math.min(this.minFrame, bytes.length);
    this.maxFrame = Math.max(this.maxFrame, bytes.length);
    return bytes;
  }
}
