import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../main/engine/tf/backend.ts';
import { fileIO, loadLayersModelFromDir, MODEL_JSON, WEIGHTS_BIN, WEIGHTS_HASH_FIELD } from '../../../main/engine/tf/file-io.ts';
import { HushError } from '../../../main/engine/types.ts';

const IMAGE = path.resolve('../shared/data/images/train/CBSD432/100007.jpg');

function tinyDae(seed: number): tf.LayersModel {
  const input = tf.input({ shape: [null, null, 3] as unknown as number[] });
  const init = tf.initializers.glorotUniform({ seed });
  const e = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init }).apply(input);
  const d = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init }).apply(e);
  const u = tf.layers.conv2dTranspose({ filters: 8, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: init }).apply(d);
  const cat = tf.layers.concatenate().apply([u, e] as tf.SymbolicTensor[]);
  const out = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', kernelInitializer: init }).apply(cat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** A 32×32 RGB patch of a real training photo, in [0, 1], as [1, 32, 32, 3]. */
async function realPatch(): Promise<tf.Tensor4D> {
  const { data } = await sharp(IMAGE).extract({ left: 100, top: 80, width: 32, height: 32 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return tf.tensor4d(Float32Array.from(data, (v) => v / 255), [1, 32, 32, 3]);
}

async function expectHushError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HushError);
  expect((err as HushError).code).toBe(code);
  expect((err as HushError).message).toMatch(message);
}

beforeAll(async () => {
  await initBackend();
});

describe('fileIO', () => {
  it('round-trips a layers model: same topology, same weights, same outputs on a real photo', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'hush-io-')), 'nested', 'model');
    const model = tinyDae(1);
    const x = await realPatch();
    const before = await (model.predict(x) as tf.Tensor).data();
    const result = await model.save(fileIO(dir));
    expect(result.modelArtifactsInfo.weightDataBytes).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]); // no temporaries left
    expect(readFileSync(path.join(dir, WEIGHTS_BIN)).byteLength).toBe(result.modelArtifactsInfo.weightDataBytes);

    const loaded = await tf.loadLayersModel(fileIO(dir));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    const after = await (loaded.predict(x) as tf.Tensor).data();
    expect(Array.from(after)).toEqual(Array.from(before));
    const w0 = model.getWeights();
    const w1 = loaded.getWeights();
    expect(w1.length).toBe(w0.length);
    for (let i = 0; i < w0.length; i++) expect(Array.from(await w1[i].data())).toEqual(Array.from(await w0[i].data()));
  });

  it('overwrites an existing model atomically and keeps user metadata', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hush-io-'));
    await tinyDae(1).save(fileIO(dir));
    const second = tinyDae(2);
    second.setUserDefinedMetadata({ sigmaChannel: true, trainedSteps: 1234 });
    await second.save(fileIO(dir));
    expect(readdirSync(dir).sort()).toEqual([MODEL_JSON, WEIGHTS_BIN]);
    const loaded = await loadLayersModelFromDir(dir);
    expect(loaded.getUserDefinedMetadata()).toEqual({ sigmaChannel: true, trainedSteps: 1234 });
    const x = await realPatch();
    const want = await (second.predict(x) as tf.Tensor).data();
    expect(Array.from(await (loaded.predict(x) as tf.Tensor).data())).toEqual(Array.from(want));
  });

  it('loads weights split over several files (as tfjs converters write them)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hush-io-'));
    const model = tinyDae(3);
    await model.save(fileIO(dir));
    const json = JSON.parse(readFileSync(path.join(dir, MODEL_JSON), 'utf8')) as tf.io.ModelJSON;
    const bin = readFileSync(path.join(dir, WEIGHTS_BIN));
    const cut = 1000;
    writeFileSync(path.join(dir, 'group1-shard1of2.bin'), bin.subarray(0, cut));
    writeFileSync(path.join(dir, 'group1-shard2of2.bin'), bin.subarray(cut));
    json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    writeFileSync(path.join(dir, MODEL_JSON), JSON.stringify(json));
    const loaded = await loadLayersModelFromDir(dir);
    const x = await realPatch();
    expect(Array.from(await (loaded.predict(x) as tf.Tensor).data())).toEqual(Array.from(await (model.predict(x) as tf.Tensor).data()));
  });

  it('reports broken or missing model files with typed errors', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hush-io-'));
    await expectHushError(fileIO(path.join(dir, 'absent')).load!(), 'unreadable', /Cannot read model file/);

    await tinyDae(4).save(fileIO(dir));
    const jsonPath = path.join(dir, MODEL_JSON);
    const good = readFileSync(jsonPath, 'utf8');
    const bin = readFileSync(path.join(dir, WEIGHTS_BIN));

    writeFileSync(jsonPath, good.slice(0, 50));
    await expectHushError(fileIO(dir).load!(), 'corrupt-file', /not valid JSON/);

    writeFileSync(jsonPath, JSON.stringify({ hello: 1 }));
    await expectHushError(fileIO(dir).load!(), 'corrupt-file', /no modelTopology/);

    writeFileSync(jsonPath, good);
    writeFileSync(path.join(dir, WEIGHTS_BIN), bin.subarray(0, bin.byteLength - 4));
    await expectHushError(fileIO(dir).load!(), 'corrupt-file', /describes/);

    // Same size, different bytes: what a crash between the two renames of a save would leave.
    const flipped = Buffer.from(bin);
    flipped[0] ^= 0xff;
    writeFileSync(path.join(dir, WEIGHTS_BIN), flipped);
    await expectHushError(fileIO(dir).load!(), 'corrupt-file', /do not match/);

    const evil = JSON.parse(good) as tf.io.ModelJSON & Record<string, unknown>;
    evil.weightsManifest[0].paths = ['../../etc/passwd'];
    delete evil[WEIGHTS_HASH_FIELD];
    writeFileSync(jsonPath, JSON.stringify(evil));
    await expectHushError(fileIO(dir).load!(), 'corrupt-file', /outside its folder/);
  });

  it('fails a save into an unwritable place without leaving temporaries', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'hush-io-'));
    // A directory whose model.json is a directory: the final rename must fail.
    const dir = path.join(base, 'model');
    await tinyDae(5).save(fileIO(dir));
    const { rmSync, mkdirSync } = await import('node:fs');
    rmSync(path.join(dir, MODEL_JSON));
    mkdirSync(path.join(dir, MODEL_JSON, 'sub'), { recursive: true });
    await expectHushError(tinyDae(6).save(fileIO(dir)).then(() => undefined), 'output-unwritable', /Cannot save/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(existsSync(path.join(dir, MODEL_JSON, 'sub'))).toBe(true);
  });
});
