// Optimisers with explicit, serialisable state: plain SGD, SGD with momentum β (optionally
// Nesterov) and Adam. The learning rate is passed to every step, so any schedule can drive it.
// State slots are keyed by the variable's position in the list given to apply() (a model's weight
// order is stable across processes, its auto-generated names are not) and saved by checkpoint.ts.
import * as tf from '@tensorflow/tfjs';

export type OptimizerSpec =
  | { readonly type: 'sgd' }
  | { readonly type: 'momentum'; readonly momentum?: number; readonly nesterov?: boolean }
  | { readonly type: 'adam'; readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number };

export type OptimizerType = OptimizerSpec['type'];

/** What an optimiser saves: its spec, step count and named slot tensors. */
export interface OptimizerState {
  readonly spec: OptimizerSpec;
  readonly t: number;
  readonly slots: Record<string, tf.Tensor>;
}

export abstract class Optimizer {
  /** Number of updates applied (Adam's bias correction uses it). */
  t = 0;
  protected slots = new Map<string, tf.Variable>();

  constructor(readonly spec: OptimizerSpec) {}

  /** Applies one update w ← w − lr·(…) for each variable with a gradient in `grads`. */
  apply(variables: readonly tf.Variable[], grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    this.t++;
    tf.tidy(() => {
      variables.forEach((v, i) => {
        const g = grads[v.name];
        if (g !== undefined) this.update(i, v, g, lr);
      });
    });
  }

  protected abstract update(i: number, v: tf.Variable, g: tf.Tensor, lr: number): void;

  protected slot(i: number, v: tf.Variable, kind: string): tf.Variable {
    const key = `${i}/${kind}`;
    let s = this.slots.get(key);
    if (s === undefined) {
      s = tf.variable(tf.zerosLike(v), false);
      this.slots.set(key, s);
    } else if (!tf.util.arraysEqual(s.shape, v.shape)) {
      throw new Error(`Optimizer slot ${key} has shape [${s.shape.join(', ')}] but variable ${v.name} has [${v.shape.join(', ')}] (state from another model?)`);
    }
    return s;
  }

  /** A copy of the state (caller disposes the tensors, e.g. via disposeState). */
  getState(): OptimizerState {
    const slots: Record<string, tf.Tensor> = {};
    for (const [k, v] of this.slots) slots[k] = tf.clone(v);
    return { spec: this.spec, t: this.t, slots };
  }

  setState(state: OptimizerState): void {
    if (state.spec.type !== this.spec.type) throw new Error(`Optimizer state is for '${state.spec.type}', not '${this.spec.type}'`);
    this.dispose();
    this.t = state.t;
    for (const [k, t] of Object.entries(state.slots)) {
      this.slots.set(k, tf.variable(t, false));
    }
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}

class Sgd extends Optimizer {
  protected update(_i: number, v: tf.Variable, g: tf.Tensor, lr: number): void {
    v.assign(tf.sub(v, tf.mul(g, lr)));
  }
}

class Momentum extends Optimizer {
  constructor(spec: Extract<OptimizerSpec, { type: 'momentum' }>, private readonly beta = spec.momentum ?? 0.9, private readonly nesterov = spec.nesterov ?? false) {
    super(spec);
  }
  protected update(i: number, v: tf.Variable, g: tf.Tensor, lr: number): void {
    // v_t = β·v_{t−1} + g;  w ← w − lr·v_t  (Nesterov: w ← w − lr·(g + β·v_t))
    const m = this.slot(i, v, 'm');
    const mNew = tf.add(tf.mul(m, this.beta), g);
    m.assign(mNew);
    const dir = this.nesterov ? tf.add(g, tf.mul(mNew, this.beta)) : mNew;
    v.assign(tf.sub(v, tf.mul(dir, lr)));
  }
}

class Adam extends Optimizer {
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  constructor(spec: Extract<OptimizerSpec, { type: 'adam' }>) {
    super(spec);
    this.b1 = spec.beta1 ?? 0.9;
    this.b2 = spec.beta2 ?? 0.999;
    this.eps = spec.epsilon ?? 1e-8;
  }
  protected update(i: number, v: tf.Variable, g: tf.Tensor, lr: number): void {
    const m = this.slot(i, v, 'm');
    const s = this.slot(i, v, 'v');
    const mNew = tf.add(tf.mul(m, this.b1), tf.mul(g, 1 - this.b1));
    const sNew = tf.add(tf.mul(s, this.b2), tf.mul(tf.square(g), 1 - this.b2));
    m.assign(mNew);
    s.assign(sNew);
    const mHat = tf.div(mNew, 1 - this.b1 ** this.t);
    const sHat = tf.div(sNew, 1 - this.b2 ** this.t);
    v.assign(tf.sub(v, tf.mul(tf.div(mHat, tf.add(tf.sqrt(sHat), this.eps)), lr)));
  }
}

export function createOptimizer(spec: OptimizerSpec): Optimizer {
  switch (spec.type) {
    case 'sgd':
      return new Sgd(spec);
    case 'momentum':
      return new Momentum(spec);
    case 'adam':
      return new Adam(spec);
    default:
      throw new Error(`Unknown optimizer '${String((spec as { type: unknown }).type)}' (sgd, momentum, adam)`);
  }
}

export function disposeState(state: OptimizerState): void {
  tf.dispose(Object.values(state.slots));
}

/**
 * Scales all gradients by min(1, maxNorm / ‖g‖) where ‖g‖ is the global L2 norm over every tensor.
 * Returns the new gradients (the old ones are disposed) and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  const list = Object.values(grads);
  if (list.length === 0) return { grads, norm: 0 };
  const normT = tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))));
  const norm = normT.dataSync()[0];
  normT.dispose();
  if (!(maxNorm > 0) || norm <= maxNorm || !Number.isFinite(norm)) return { grads, norm };
  const scale = maxNorm / norm;
  const out: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) {
    out[k] = tf.mul(g, scale);
    g.dispose();
  }
  return { grads: out, norm };
}
