// Fast training kernels for the TF.js wasm backend.
//
// The wasm backend has no Conv2DBackpropFilter (so conv nets cannot train on it at all) and its
// Conv2DBackpropInput is a naive C++ loop (slow gradients, and slow conv2dTranspose forward passes,
// which use the same kernel). Both are rebuilt here from ops wasm does fast (XNNPACK conv2d,
// matMul, slices, depthToSpace) and registered as the wasm kernels, so every caller — the Conv2D
// gradient, conv2dTranspose forward and its gradients, conv1d — gets them.
//
//  - dW: im2col by strided slices of the padded input, then one matMul with dy.
//  - dx: a "sub-pixel" decomposition. For stride s, the s×s output phases of the transposed conv
//    are each a stride-1 correlation of dy with a sub-kernel of the rotated, in/out-swapped filter;
//    all phases run as ONE conv2d with s²·Cin output channels, interleaved by depthToSpace.
//    No zero-inserted dy, so no wasted multiplies.
// Checked against the cpu backend's kernels in test/ml/core/wasm-grad-kernels.test.ts.
// Lives in the engine (not ml/) because inference needs it too: the decoders' conv2dTranspose runs
// on Conv2DBackpropInput. initBackend registers these; ml/core/wasm-grad-kernels.ts re-exports.
import * as tf from '@tensorflow/tfjs';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  filterShape: [number, number, number, number];
}
interface BackpropInputAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  inputShape: [number, number, number, number];
}

interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  top: number;
  left: number;
}

function geometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  rounding: Rounding,
  dataFormat: 'NHWC' | 'NCHW',
): ConvGeometry {
  if (dataFormat !== 'NHWC') throw new Error(`wasm training kernels support NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, rounding, false, 'channelsLast');
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

function asTensor(t: tf.TensorInfo | undefined): tf.Tensor {
  if (t === undefined) throw new Error('wasm training kernel called without a required input');
  if (t instanceof tf.Tensor) return t;
  const made: tf.Tensor = tf.engine().makeTensorFromTensorInfo(t);
  return made;
}

/** dW[kh,kw,ci,co] = Σ_{b,y,x} xpad[b, y·s+kh, x·s+kw, ci] · dy[b,y,x,co], as im2col + one matMul. */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, top, left } = g;
    // Rows/cols of the padded input that the kernel windows touch.
    const needH = (outH - 1) * sH + kH;
    const needW = (outW - 1) * sW + kW;
    const bottom = Math.max(0, needH - inH - top);
    const right = Math.max(0, needW - inW - left);
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
    // Channels first, so the im2col rows come out as [(ky,kx,ci), pixels]: wasm's matMul is fast
    // untransposed and ~30× slower with transposeA.
    const xc = tf.transpose(xp, [3, 0, 1, 2]);
    const cols: tf.Tensor4D[] = [];
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        cols.push(
          sH === 1 && sW === 1
            ? tf.slice(xc, [0, 0, ky, kx], [inC, batch, outH, outW])
            : (tf.stridedSlice(xc, [0, 0, ky, kx], [inC, batch, ky + (outH - 1) * sH + 1, kx + (outW - 1) * sW + 1], [1, 1, sH, sW]) as tf.Tensor4D),
        );
      }
    }
    const n = batch * outH * outW;
    const im2colT = (cols.length === 1 ? cols[0] : tf.concat(cols, 0)).reshape([kH * kW * inC, n]);
    const dw = tf.matMul(im2colT, dy.reshape([n, outC]));
    return dw.reshape([kH, kW, inC, outC]);
  });
}

/**
 * dW as one conv2d with batch and channels swapped: the input's channels become the batch, the
 * batch becomes the reduced channel axis, dy is the (large) filter, the forward stride becomes a
 * dilation. XNNPACK does the whole reduction.
 */
export function conv2dFilterGradSwapped(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const { inH, inW, outH, outW, kH, kW, sH, sW, top, left } = g;
    // Rows the windows reach; a negative bottom/right pad means trailing input rows are unused.
    const bottom = kH + (outH - 1) * sH - inH - top;
    const right = kW + (outW - 1) * sW - inW - left;
    let xs: tf.Tensor4D = x;
    if (bottom < 0 || right < 0) xs = tf.slice(x, [0, 0, 0, 0], [-1, inH + Math.min(0, bottom), inW + Math.min(0, right), -1]);
    const xt = tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, H, W, B]
    const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [OH, OW, B, Cout]
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]];
    const r = tf.conv2d(xt, f, 1, pad, 'NHWC', [sH, sW]); // [Cin, kH, kW, Cout]
    return tf.transpose(r, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

interface PhasePlan {
  /** Correlation window offsets over dy (relative to the phase's output index), inclusive. */
  jMin: number;
  len: number;
  /** For phase r and window tap t: kernel index used, or -1 for a zero tap. */
  tap: number[][];
}

/** 1-D plan of the sub-pixel decomposition (see the header comment). */
function phasePlan(k: number, s: number, padBefore: number): PhasePlan {
  const phases: { a: number; b: number; m: number }[] = [];
  for (let r = 0; r < s; r++) {
    const a = Math.floor((r + padBefore) / s);
    const b = (r + padBefore) % s;
    const m = b < k ? Math.ceil((k - b) / s) : 0;
    phases.push({ a, b, m });
  }
  const live = phases.filter((p) => p.m > 0);
  const jMin = Math.min(...live.map((p) => p.a - p.m + 1));
  const jMax = Math.max(...live.map((p) => p.a));
  const len = jMax - jMin + 1;
  const tap = phases.map(({ a, b, m }) => {
    const row: number[] = [];
    for (let t = 0; t < len; t++) {
      const mm = a - (t + jMin); // tap index m for offset j = t + jMin
      row.push(mm >= 0 && mm < m ? s * mm + b : -1);
    }
    return row;
  });
  return { jMin, len, tap };
}

/** dx of a conv2d (= conv2dTranspose forward) as one stride-1 conv2d + depthToSpace. */
export function conv2dInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const { batch, inH, inW, inC, outH, outW, outC, kH, kW, sH, sW, top, left } = g;
    const py = phasePlan(kH, sH, top);
    const px = phasePlan(kW, sW, left);
    // Phases in depthToSpace's channel order; non-square strides would need separate shuffles.
    if (sH !== sW) throw new Error('wasm training kernels need equal strides for the input gradient');
    const s = sH;
    // Combined kernel V[ty,tx,co,(ry·s+rx)·ci+c] = W[ky,kx,c,co], zero where a phase has no tap.
    const zeroRow = kH * kW;
    const idx: number[] = [];
    for (let ty = 0; ty < py.len; ty++)
      for (let tx = 0; tx < px.len; tx++)
        for (let ry = 0; ry < s; ry++)
          for (let rx = 0; rx < s; rx++) {
            const ky = py.tap[ry][ty];
            const kx = px.tap[rx][tx];
            idx.push(ky < 0 || kx < 0 ? zeroRow : ky * kW + kx);
          }
    const wT = tf.transpose(filter, [0, 1, 3, 2]).reshape([kH * kW, outC, inC]);
    const table = tf.concat([wT, tf.zeros([1, outC, inC])], 0);
    const v = tf
      .gather(table, tf.tensor1d(idx, 'int32'))
      .reshape([py.len, px.len, s, s, outC, inC])
      .transpose([0, 1, 4, 2, 3, 5])
      .reshape([py.len, px.len, outC, s * s * inC]) as tf.Tensor4D;
    // dy window for phase output q covers dy[q + jMin … q + jMax]; pad with zeros outside dy.
    const qH = Math.ceil(inH / s);
    const qW = Math.ceil(inW / s);
    const window = (p: PhasePlan, q: number, n: number): [number, number, number, number] => {
      const first = p.jMin;
      const last = q - 1 + p.jMin + p.len - 1;
      return [Math.max(0, -first), Math.max(0, last - (n - 1)), Math.max(0, first), Math.min(n - 1, last)];
    };
    const [padT, padB, y0, y1] = window(py, qH, outH);
    const [padL, padR, x0, x1] = window(px, qW, outW);
    let d: tf.Tensor4D = dy;
    if (y0 > 0 || x0 > 0 || y1 < outH - 1 || x1 < outW - 1) d = tf.slice(d, [0, y0, x0, 0], [batch, y1 - y0 + 1, x1 - x0 + 1, outC]);
    const conv = tf.conv2d(d, v, 1, [[0, 0], [padT, padB], [padL, padR], [0, 0]]);
    // depthToSpace as reshape/transpose: wasm's DepthToSpace kernel is ~30× slower than Transpose.
    const full =
      s === 1
        ? conv
        : (conv.reshape([batch, qH, qW, s, s, inC]).transpose([0, 1, 3, 2, 4, 5]).reshape([batch, qH * s, qW * s, inC]) as tf.Tensor4D);
    return full.shape[1] === inH && full.shape[2] === inW ? full : tf.slice(full, [0, 0, 0, 0], [batch, inH, inW, inC]);
  });
}

/** NHWC depth-to-space (pixel shuffle) as reshape + transpose; differentiable by construction. */
export function depthToSpace(x: tf.Tensor4D, block: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const oc = c / (block * block);
  if (!Number.isInteger(oc)) throw new Error(`depthToSpace: ${c} channels not divisible by ${block}²`);
  return tf.tidy(() => x.reshape([b, h, w, block, block, oc]).transpose([0, 1, 3, 2, 4, 5]).reshape([b, h * block, w * block, oc]));
}

/** NHWC space-to-depth (inverse pixel shuffle), the inverse of depthToSpace; tfjs has no such op. */
export function spaceToDepth(x: tf.Tensor4D, block: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (h % block !== 0 || w % block !== 0) throw new Error(`spaceToDepth: ${h}×${w} not divisible by ${block}`);
  return tf.tidy(() =>
    x.reshape([b, h / block, block, w / block, block, c]).transpose([0, 1, 3, 2, 4, 5]).reshape([b, h / block, w / block, block * block * c]),
  );
}

/** Places v[b,y,x,c] at out[b, y·s + oy, x·s + ox, c] in a zero tensor of height h, width w. */
function scatterStrided(v: tf.Tensor4D, s: [number, number], offset: [number, number], h: number, w: number): tf.Tensor4D {
  const [b, oh, ow, c] = v.shape;
  let up: tf.Tensor4D = v;
  if (s[0] > 1 || s[1] > 1) {
    up = v
      .reshape([b, oh, 1, ow, 1, c])
      .pad([[0, 0], [0, 0], [0, s[0] - 1], [0, 0], [0, s[1] - 1], [0, 0]])
      .reshape([b, oh * s[0], ow * s[1], c]);
  }
  const [, uh, uw] = up.shape;
  // Crop or pad so the block starts at `offset` and the result is exactly h×w.
  const keepH = Math.min(uh, h - offset[0]);
  const keepW = Math.min(uw, w - offset[1]);
  if (keepH < uh || keepW < uw) up = tf.slice(up, [0, 0, 0, 0], [b, keepH, keepW, c]);
  return tf.pad(up, [[0, 0], [offset[0], h - offset[0] - keepH], [offset[1], w - offset[1] - keepW], [0, 0]]);
}

/**
 * MaxPool gradient: dy goes to the first maximum of each window (TensorFlow's tie rule), built
 * from slices and compares. Replaces wasm's MaxPoolGrad, which gives wrong results in tfjs 4.22
 * (e.g. 1×8×8×1, 2×2 pool, stride 2: max error 0.44 against a direct loop; see the test).
 */
export function maxPoolGrad(dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.tidy(() => {
    const { batchSize: b, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    const ph = Math.max(h + top, (oh - 1) * sh + kh);
    const pw = Math.max(w + left, (ow - 1) * sw + kw);
    // Padding never wins a max (TensorFlow pads with -inf).
    const xp = tf.pad(x, [[0, 0], [top, ph - h - top], [left, pw - w - left], [0, 0]], -3.4e38);
    let free: tf.Tensor = tf.onesLike(y);
    let dx: tf.Tensor4D = tf.zeros([b, ph, pw, c]);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const xs = tf.stridedSlice(xp, [0, ky, kx, 0], [b, ky + (oh - 1) * sh + 1, kx + (ow - 1) * sw + 1, c], [1, sh, sw, 1]) as tf.Tensor4D;
        const hit = tf.mul(tf.cast(tf.equal(xs, y), 'float32'), free);
        free = tf.sub(free, hit);
        dx = tf.add(dx, scatterStrided(tf.mul(dy, hit) as tf.Tensor4D, [sh, sw], [ky, kx], ph, pw));
      }
    }
    return tf.slice(dx, [0, top, left, 0], [b, h, w, c]);
  });
}

let registered = false;

/**
 * Registers the fast Conv2DBackpropFilter / Conv2DBackpropInput kernels on the wasm backend.
 * Idempotent; harmless before or after the backend is initialised. Other backends are untouched.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const original = tf.getKernel('Conv2DBackpropInput', 'wasm');

  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as BackpropFilterAttrs;
      const x = asTensor(inputs['x']) as tf.Tensor4D;
      const dy = asTensor(inputs['dy']) as tf.Tensor4D;
      const g = geometry(x.shape, a.filterShape, a.strides, a.pad, a.dimRoundingMode, a.dataFormat);
      // Measured (8×64×64): im2col+matMul wins only for thin inputs at stride 1 (e.g. 4→64: 9 vs
      // 27 ms); the swapped conv wins elsewhere (64→64: 140 vs 154 ms; stride 2: 88 vs 770 ms).
      return g.sH === 1 && g.sW === 1 && g.kH * g.kW * g.inC <= 64 ? conv2dFilterGrad(x, dy, g) : conv2dFilterGradSwapped(x, dy, g);
    },
  });

  if (original !== undefined) tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    // setupFunc of the original kernel binds its C function; keep it for the NCHW fallback.
    setupFunc: original?.setupFunc,
    kernelFunc: (args) => {
      const a = args.attrs as unknown as BackpropInputAttrs;
      const filter = asTensor(args.inputs['filter']) as tf.Tensor4D;
      const strides = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      if ((a.dataFormat !== 'NHWC' || strides[0] !== strides[1]) && original !== undefined) return original.kernelFunc(args);
      const dy = asTensor(args.inputs['dy']) as tf.Tensor4D;
      const g = geometry(a.inputShape, filter.shape, a.strides, a.pad, a.dimRoundingMode, a.dataFormat);
      return conv2dInputGrad(dy, filter, g);
    },
  });

  // DepthToSpace: wasm's kernel is ~30× slower than the equivalent transpose, and tfjs registers
  // no gradient for it at all (pixel-shuffle decoders could not train on any backend).
  const d2sOriginal = tf.getKernel('DepthToSpace', 'wasm');
  if (d2sOriginal !== undefined) tf.unregisterKernel('DepthToSpace', 'wasm');
  tf.registerKernel({
    kernelName: 'DepthToSpace',
    backendName: 'wasm',
    setupFunc: d2sOriginal?.setupFunc,
    kernelFunc: (args) => {
      const { blockSize, dataFormat } = args.attrs as unknown as { blockSize: number; dataFormat: 'NHWC' | 'NCHW' };
      if (dataFormat !== 'NHWC' && d2sOriginal !== undefined) return d2sOriginal.kernelFunc(args);
      return depthToSpace(asTensor(args.inputs['x']) as tf.Tensor4D, blockSize);
    },
  });
  const mpgOriginal = tf.getKernel('MaxPoolGrad', 'wasm');
  if (mpgOriginal !== undefined) tf.unregisterKernel('MaxPoolGrad', 'wasm');
  tf.registerKernel({
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: Pad; dimRoundingMode?: Rounding };
      const x = asTensor(inputs['input']) as tf.Tensor4D;
      const info = tf.backend_util.computePool2DInfo(x.shape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
      return maxPoolGrad(asTensor(inputs['dy']) as tf.Tensor4D, x, asTensor(inputs['output']) as tf.Tensor4D, info);
    },
  });

  if (tf.getGradient('DepthToSpace') === undefined) {
    tf.registerGradient({
      kernelName: 'DepthToSpace',
      gradFunc: (dy, _saved, attrs) => {
        const { blockSize, dataFormat } = attrs as unknown as { blockSize: number; dataFormat: 'NHWC' | 'NCHW' };
        if (dataFormat !== 'NHWC') throw new Error('DepthToSpace gradient supports NHWC only');
        return { x: () => spaceToDepth(dy as tf.Tensor4D, blockSize) };
      },
    });
  }
}
