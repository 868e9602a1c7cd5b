import { describe, expect, it } from 'vitest';
import { childMessageSchema, methods, parentMessageSchema } from '../../main/host/protocol.ts';

const call = (method: string, params: unknown, id: unknown = 1): unknown => ({ kind: 'call', id, method, params });

describe('host protocol', () => {
  it('accepts every well-formed request', () => {
    const ok: unknown[] = [
      call('info', {}),
      call('denoise', { files: [{ path: '/a.jpg' }, { path: '/b.wav', reductionDb: 12 }], outDir: '/out', sigma: 'auto', concurrency: 2, skipExisting: true }),
      call('estimate', { path: '/a.jpg' }),
      call('previewImage', { path: '/a.jpg', sigma: 25, region: { left: 0, top: 0, width: 256, height: 256 } }),
      call('thumbnail', { path: '/a.jpg', maxSide: 256 }),
      call('audioOverview', { path: '/a.wav', points: 800 }),
      call('previewAudio', { path: '/a.wav', reductionDb: 'auto', startSec: 1.5, durationSec: 5 }),
      { kind: 'cancel', id: 7 },
      { kind: 'shutdown' },
    ];
    for (const m of ok) expect(parentMessageSchema.safeParse(m).success, JSON.stringify(m)).toBe(true);
  });

  it('rejects malformed requests', () => {
    const bad: unknown[] = [
      null,
      42,
      'info',
      {},
      { kind: 'call' },
      call('info', {}, -1),
      call('info', {}, 1.5),
      call('info', {}, '1'),
      call('info', { extra: true }), // unknown keys are refused
      call('format-disk', {}),
      call('denoise', { files: [{ path: '/a.jpg' }] }), // no outDir
      call('denoise', { files: [{ path: '' }], outDir: '/o' }),
      call('denoise', { files: [{ path: '/a\0.jpg' }], outDir: '/o' }),
      call('denoise', { files: [{ path: '/a.jpg', sigma: 300 }], outDir: '/o' }),
      call('denoise', { files: [{ path: '/a.jpg', sigma: Number.NaN }], outDir: '/o' }),
      call('denoise', { files: [{ path: '/a.jpg' }], outDir: '/o', sigma: Infinity }),
      call('denoise', { files: [{ path: '/a.jpg' }], outDir: '/o', concurrency: 0 }),
      call('denoise', { files: [{ path: '/a.jpg' }], outDir: '/o', imageFormat: 'bmp' }),
      call('denoise', { files: [{ path: '/a.jpg' }], outDir: '/o', namePattern: '../{name}' }),
      call('denoise', { files: 'all', outDir: '/o' }),
      call('previewImage', { path: '/a.jpg', sigma: 'max' }),
      call('previewImage', { path: '/a.jpg', sigma: 10, region: { left: -1, top: 0, width: 10, height: 10 } }),
      call('previewAudio', { path: '/a.wav', reductionDb: 12, startSec: 0, durationSec: 0 }),
      call('thumbnail', { path: '/a.jpg', maxSide: 1e9 }),
      { kind: 'cancel' },
      { kind: 'shutdown', now: true },
    ];
    for (const m of bad) expect(parentMessageSchema.safeParse(m).success, JSON.stringify(m)).toBe(false);
  });

  it('validates the engine process messages and results by method', () => {
    expect(childMessageSchema.safeParse({ kind: 'ready', pid: 12 }).success).toBe(true);
    expect(childMessageSchema.safeParse({ kind: 'event', id: 1, event: { type: 'progress', index: 0, path: '/a', stage: 'denoising', fraction: 0.5, overall: 0.25, etaSeconds: null } }).success).toBe(true);
    expect(childMessageSchema.safeParse({ kind: 'event', id: 1, event: { type: 'progress', index: 0, path: '/a', stage: 'thinking', fraction: 0.5, overall: 0.25, etaSeconds: null } }).success).toBe(false);
    expect(childMessageSchema.safeParse({ kind: 'event', id: 1, event: { type: 'progress', index: 0, path: '/a', stage: 'denoising', fraction: 1.5, overall: 0.25, etaSeconds: null } }).success).toBe(false);
    expect(childMessageSchema.safeParse({ kind: 'error', id: 1, error: { code: 'corrupt-file', message: 'x' } }).success).toBe(true);
    expect(childMessageSchema.safeParse({ kind: 'error', id: 1, error: { code: 'teapot', message: 'x' } }).success).toBe(false);

    const preview = { before: { data: new Uint8Array(3), mime: 'image/png', width: 1, height: 1 }, after: { data: new Uint8Array(3), mime: 'image/png', width: 1, height: 1 }, region: { left: 0, top: 0, width: 1, height: 1 }, sigma: 10 };
    expect(methods.previewImage.result.safeParse(preview).success).toBe(true);
    expect(methods.previewImage.result.safeParse({ ...preview, before: { ...preview.before, data: [1, 2, 3] } }).success).toBe(false);
    const summary = { total: 1, done: 1, skipped: 0, failed: 0, cancelled: 0, wasCancelled: false, seconds: 1, outcomes: [{ status: 'done', index: 0, input: '/a', result: { input: '/a', output: '/o/a', kind: 'image', strength: 25, seconds: 1 } }] };
    expect(methods.denoise.result.safeParse(summary).success).toBe(true);
    expect(methods.denoise.result.safeParse({ ...summary, outcomes: [{ status: 'done', index: 0, input: '/a' }] }).success).toBe(false);
  });
});
