import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../main/engine/tf/backend.ts';

describe('initBackend prefer cpu', () => {
  it('uses the pure-JS backend when asked to', async () => {
    const info = await initBackend({ prefer: 'cpu' });
    expect(info).toEqual({ name: 'cpu', threads: 1, version: tf.version_core });
    expect(tf.getBackend()).toBe('cpu');
  });
});
