// The generic training loop every modality trainer calls: batches from a provider, loss +
// weight penalty, gradients (here, or data-parallel in worker threads), global-norm clipping, an
// optimiser driven by an LR schedule, validation, JSON-lines log + PNG curves, and resumable
// checkpoints in checkpoints/<run>/.
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { lossFn, weightedLoss, type LossFn, type LossName, type LossSpec } from './losses.ts';
import { penalisedVariables, weightPenalty, type WeightPenalty } from './regularizers.ts';
import { clipByGlobalNorm, createOptimizer, type OptimizerSpec } from './optimizers.ts';
import { learningRateAt, type ScheduleSpec } from './schedules.ts';
import { Rng } from './rng.ts';
import { latestCheckpoint, pruneCheckpoints, restoreCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { RunLog, type LogRecord } from './run-log.ts';
import { plotRunLog } from './plot.ts';
import { GradientWorkerPool, type WorkerOptions } from './grad-workers.ts';

/** A tensor as plain data (what crosses to gradient workers). */
export interface RawTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}
export type BatchTensor = tf.Tensor | RawTensor;

export interface Batch {
  /** Model input (or inputs, for multi-input models), batch first. */
  readonly input: BatchTensor | readonly BatchTensor[];
  readonly target: BatchTensor;
  /** Optional per-sample loss weights, shape [batch] (see weightedLoss); needs the loss by name. */
  readonly weight?: BatchTensor;
}

/** Supplies training batches. It must draw all randomness from `rng` for runs to be reproducible. */
export type BatchProvider = (rng: Rng, step: number) => Batch | Promise<Batch>;

export interface TrainOptions {
  /** Run name: checkpoints, log and plot go to `<root>/checkpoints/<run>/`. */
  readonly run: string;
  readonly root?: string;
  readonly model: tf.LayersModel;
  readonly batches: BatchProvider;
  /** Total number of optimiser steps (a resumed run continues up to it). */
  readonly steps: number;
  /** Reconstruction loss (default 'mse'). A function cannot be used with workers. */
  readonly loss?: LossName | LossSpec | LossFn;
  /** L1/L2 weight penalty; applies to conv/dense kernels unless `variables` is given. */
  readonly penalty?: WeightPenalty & { readonly variables?: readonly tf.Variable[] };
  readonly optimizer?: OptimizerSpec;
  /** Base (peak) learning rate. */
  readonly lr: number;
  readonly schedule?: ScheduleSpec;
  /** Global-norm gradient clipping threshold (0 or absent = off). */
  readonly clipNorm?: number;
  readonly seed?: number;
  /** Called every `validateEvery` steps (and at the end); its numbers are logged and plotted. */
  readonly validate?: (model: tf.LayersModel, step: number) => Promise<Record<string, number>> | Record<string, number>;
  readonly validateEvery?: number;
  /** Keep a copy of the best model in `<run>/best/` by this validation metric. */
  readonly best?: { readonly metric: string; readonly mode: 'max' | 'min' };
  readonly logEvery?: number;
  readonly checkpointEvery?: number;
  readonly keepCheckpoints?: number;
  /** Continue from the newest checkpoint of this run if there is one (default true). */
  readonly resume?: boolean;
  /** Stop (after a checkpoint) once this many seconds have passed; a later call resumes. */
  readonly maxSeconds?: number;
  /** Data-parallel gradient workers (see grad-workers.ts); absent or count ≤ 1 = in this thread. */
  readonly workers?: WorkerOptions;
  /** Extra state to store in checkpoints (e.g. the config). */
  readonly extra?: Record<string, unknown>;
  /** Progress lines (default console.log); pass () => {} for silence. */
  readonly print?: (line: string) => void;
}

export interface TrainResult {
  readonly runDir: string;
  readonly step: number;
  readonly startStep: number;
  /** Mean training loss over the last logging window. */
  readonly lastLoss: number;
  readonly validation: Record<string, number>;
  readonly bestDir?: string;
  readonly stepsPerSecond: number;
}

function toTensor(t: BatchTensor): tf.Tensor {
  return t instanceof tf.Tensor ? t : tf.tensor(t.data, [...t.shape], 'float32');
}

function disposeBatch(b: Batch, made: tf.Tensor[]): void {
  // Dispose what we created and what the provider handed over (the batch is consumed).
  const inputs = Array.isArray(b.input) ? (b.input as BatchTensor[]) : [b.input as BatchTensor];
  for (const t of [...inputs, b.target, ...(b.weight === undefined ? [] : [b.weight])]) if (t instanceof tf.Tensor) t.dispose();
  tf.dispose(made);
}

/** Loss + penalty and gradients for one batch, in this thread. */
function localGradients(
  model: tf.LayersModel,
  variables: tf.Variable[],
  loss: LossFn,
  lossSpec: LossSpec | undefined,
  penalty: { l1: number; l2: number; variables: readonly tf.Variable[] },
  batch: Batch,
): { loss: number; grads: Record<string, tf.Tensor> } {
  const made: tf.Tensor[] = [];
  const inputs = (Array.isArray(batch.input) ? (batch.input as BatchTensor[]) : [batch.input as BatchTensor]).map((t) => {
    const x = toTensor(t);
    if (x !== t) made.push(x);
    return x;
  });
  const target = toTensor(batch.target);
  if (target !== batch.target) made.push(target);
  let weight: tf.Tensor | undefined;
  if (batch.weight !== undefined) {
    if (lossSpec === undefined) throw new Error('train: per-sample weights need the loss by name (mse, l1, charbonnier), not a function');
    weight = toTensor(batch.weight);
    if (weight !== batch.weight) made.push(weight);
  }
  const { value, grads } = tf.variableGrads(() => {
    const pred = model.apply(inputs.length === 1 ? inputs[0] : inputs, { training: true }) as tf.Tensor;
    const rec = weight === undefined || lossSpec === undefined ? loss(pred, target) : weightedLoss(lossSpec, pred, target, weight);
    if (penalty.l1 === 0 && penalty.l2 === 0) return rec;
    return tf.add(rec, weightPenalty(penalty.variables, penalty)) as tf.Scalar;
  }, variables);
  const l = value.dataSync()[0];
  value.dispose();
  disposeBatch(batch, made);
  return { loss: l, grads };
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const print = opts.print ?? ((s: string) => console.log(s));
  const root = opts.root ?? process.cwd();
  const runDir = path.join(root, 'checkpoints', opts.run);
  const model = opts.model;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizerSpec: OptimizerSpec = opts.optimizer ?? { type: 'adam' };
  const optimizer = createOptimizer(optimizerSpec);
  const schedule: ScheduleSpec = opts.schedule ?? { kind: 'constant' };
  const loss = typeof opts.loss === 'function' ? opts.loss : lossFn(opts.loss ?? 'mse');
  const lossSpec: LossSpec | undefined = typeof opts.loss === 'function' ? undefined : typeof opts.loss === 'object' ? opts.loss : { name: opts.loss ?? 'mse' };
  const penalty = {
    l1: opts.penalty?.l1 ?? 0,
    l2: opts.penalty?.l2 ?? 0,
    variables: opts.penalty?.variables ?? penalisedVariables(model),
  };
  const rng = new Rng(opts.seed ?? 0);
  const logEvery = opts.logEvery ?? 10;
  const validateEvery = opts.validateEvery ?? 0;
  const checkpointEvery = opts.checkpointEvery ?? 100;
  const keep = opts.keepCheckpoints ?? 3;

  let step = 0;
  let bestValue: number | undefined;
  let secondsBefore = 0;
  const latest = opts.resume === false ? undefined : await latestCheckpoint(runDir);
  if (latest !== undefined) {
    const meta = await restoreCheckpoint(latest, { model, optimizer, rng });
    step = meta.step;
    bestValue = typeof meta.extra.bestValue === 'number' ? meta.extra.bestValue : undefined;
    secondsBefore = typeof meta.extra.seconds === 'number' ? meta.extra.seconds : 0;
    print(`[${opts.run}] resumed from ${path.basename(latest)} (step ${step})`);
  }
  const startStep = step;
  const log = await RunLog.open(path.join(runDir, 'log.jsonl'), latest !== undefined ? step : 0);

  let pool: GradientWorkerPool | undefined;
  if (opts.workers !== undefined && opts.workers.count > 1) {
    if (typeof opts.loss === 'function') throw new Error('train: workers need the loss by name (mse, l1, charbonnier), not a function');
    pool = await GradientWorkerPool.create(model, typeof opts.loss === 'object' ? opts.loss : { name: opts.loss ?? 'mse' }, opts.workers);
    print(`[${opts.run}] ${opts.workers.count} gradient workers`);
  }

  const t0 = performance.now();
  let windowLoss = 0;
  let windowNorm = 0;
  let windowN = 0;
  let windowStart = performance.now();
  let lastLoss = NaN;
  let validation: Record<string, number> = {};
  let badSteps = 0;
  const seconds = () => secondsBefore + (performance.now() - t0) / 1000;

  const checkpoint = async (): Promise<void> => {
    await saveCheckpoint(runDir, { model, optimizer, step, rng, extra: { ...opts.extra, bestValue, seconds: seconds() } });
    await pruneCheckpoints(runDir, keep);
  };
  const runValidation = async (): Promise<void> => {
    if (opts.validate === undefined) return;
    validation = await opts.validate(model, step);
    await log.append({ step, ...validation });
    print(`[${opts.run}] step ${step} validation ${Object.entries(validation).map(([k, v]) => `${k}=${v.toPrecision(5)}`).join(' ')}`);
    if (opts.best !== undefined) {
      const v = validation[opts.best.metric];
      const better = v !== undefined && Number.isFinite(v) && (bestValue === undefined || (opts.best.mode === 'max' ? v > bestValue : v < bestValue));
      if (better) {
        bestValue = v;
        await saveCheckpoint(runDir, { model, optimizer, step, rng, extra: { ...opts.extra, bestValue, seconds: seconds() } }, 'best');
      }
    }
    await plotRunLog(await log.read(), path.join(runDir, 'curves.png'), { title: opts.run });
  };

  try {
    if (step === 0 && validateEvery > 0) await runValidation();
    while (step < opts.steps) {
      const batch = await opts.batches(rng, step);
      const lr = learningRateAt(step, opts.lr, schedule);
      const g = pool !== undefined ? await pool.gradients(batch, variables, penalty) : localGradients(model, variables, loss, lossSpec, penalty, batch);
      const clipped = clipByGlobalNorm(g.grads, opts.clipNorm ?? 0);
      if (Number.isFinite(g.loss) && Number.isFinite(clipped.norm)) {
        optimizer.apply(variables, clipped.grads, lr);
        badSteps = 0;
      } else if (++badSteps >= 5) {
        tf.dispose(Object.values(clipped.grads));
        throw new Error(`[${opts.run}] loss or gradient not finite for 5 steps in a row at step ${step} (lower the learning rate or clip)`);
      }
      tf.dispose(Object.values(clipped.grads));
      step++;
      windowLoss += g.loss;
      windowNorm += clipped.norm;
      windowN++;
      if (step % logEvery === 0 || step === opts.steps) {
        const now = performance.now();
        lastLoss = windowLoss / windowN;
        const rec: LogRecord = {
          step,
          loss: lastLoss,
          lr,
          gradNorm: windowNorm / windowN,
          stepsPerSec: windowN / ((now - windowStart) / 1000),
          seconds: seconds(),
        };
        await log.append(rec);
        print(`[${opts.run}] step ${step}/${opts.steps} loss ${lastLoss.toExponential(3)} lr ${lr.toExponential(2)} |g| ${(windowNorm / windowN).toExponential(2)} ${(rec.stepsPerSec as number).toFixed(2)} steps/s`);
        windowLoss = windowNorm = windowN = 0;
        windowStart = now;
      }
      if (validateEvery > 0 && step % validateEvery === 0) await runValidation();
      const out = opts.maxSeconds !== undefined && (performance.now() - t0) / 1000 >= opts.maxSeconds;
      if (step % checkpointEvery === 0 || step === opts.steps || out) await checkpoint();
      if (out) break;
    }
    if (validateEvery > 0 && step % validateEvery !== 0 && step === opts.steps) await runValidation();
    if (opts.validate === undefined) await plotRunLog(await log.read(), path.join(runDir, 'curves.png'), { title: opts.run });
  } finally {
    if (pool !== undefined && pool.timing.steps > 0) {
      const t = pool.timing;
      print(`[${opts.run}] workers: main-thread shard ${(t.localMs / t.steps).toFixed(0)} ms/step, then waited ${(t.waitMs / t.steps).toFixed(0)} ms/step for workers`);
    }
    await pool?.close();
    optimizer.dispose();
  }
  const elapsed = (performance.now() - t0) / 1000;
  return {
    runDir,
    step,
    startStep,
    lastLoss,
    validation,
    ...(bestValue !== undefined ? { bestDir: path.join(runDir, 'best') } : {}),
    stepsPerSecond: (step - startStep) / Math.max(elapsed, 1e-9),
  };
}
