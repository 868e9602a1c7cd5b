import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../main/engine/tf/backend.ts';

// A wasm folder without the binaries (a broken package) must fall back to the cpu backend.
describe('initBackend fallback', () => {
  it('falls back to cpu when the wasm binaries are missing', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'hush-nowasm-'));
    const info = await initBackend({ wasmDir: empty });
    expect(info.name).toBe('cpu');
    expect(info.threads).toBe(1);
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(await tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).data())).toEqual([4, 6]);
  });
});
