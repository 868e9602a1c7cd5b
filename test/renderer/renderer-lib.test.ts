// The renderer's pure helpers, in Node: FFT, WAV parsing (against the engine's own WAV writer),
// the latest-wins request pump and keyboard shortcut mapping.
import { describe, expect, it } from 'vitest';
import { encodeWavBuffer } from '../../main/engine/audio/index.ts';
import { Fft } from '../../renderer/src/lib/fft.ts';
import { applyNamePattern, formatDuration, formatTime } from '../../renderer/src/lib/format.ts';
import { LatestPump } from '../../renderer/src/lib/latest.ts';
import { parseWav } from '../../renderer/src/lib/media.ts';
import { actionFor } from '../../renderer/src/lib/shortcuts.ts';
import { computeSpectrogram, waveformPeaks } from '../../renderer/src/lib/spectrogram.ts';

describe('Fft', () => {
  it('matches a direct DFT', () => {
    const n = 64;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 2.1) + (i % 5) / 10);
    const re = Float32Array.from(x);
    const im = new Float32Array(n);
    new Fft(n).transform(re, im);
    for (let k = 0; k < n; k++) {
      let r = 0;
      let j = 0;
      for (let t = 0; t < n; t++) {
        r += x[t] * Math.cos((-2 * Math.PI * k * t) / n);
        j += x[t] * Math.sin((-2 * Math.PI * k * t) / n);
      }
      expect(re[k]).toBeCloseTo(r, 3);
      expect(im[k]).toBeCloseTo(j, 3);
    }
  });

  it('puts a pure tone in the right spectrogram bin', () => {
    const rate = 16000;
    const f = 1000;
    const x = Float32Array.from({ length: rate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * f * i) / rate));
    const s = computeSpectrogram(x, rate, 8, 512);
    const col = s.db.subarray(3 * s.bins, 4 * s.bins);
    const peak = col.indexOf(Math.max(...col));
    expect(peak).toBe(Math.round((f / (rate / 2)) * s.bins));
  });

  it('waveform peaks keep the extremes of each column', () => {
    const x = new Float32Array(100);
    x[10] = 0.9;
    x[60] = -0.7;
    const { min, max } = waveformPeaks(x, 4);
    expect(max[0]).toBeCloseTo(0.9);
    expect(min[2]).toBeCloseTo(-0.7);
    expect(max[3]).toBe(0);
  });
});

describe('parseWav', () => {
  const rate = 22050;
  const a = Float32Array.from({ length: 1000 }, (_, i) => 0.8 * Math.sin(i / 7));
  const b = Float32Array.from({ length: 1000 }, (_, i) => 0.5 * Math.cos(i / 3));
  for (const [fmt, tol] of [
    ['pcm16', 1 / 32768 + 1e-6],
    ['pcm24', 1 / 8388608 + 1e-7],
    ['float32', 1e-7],
  ] as const) {
    it(`reads the engine's ${fmt} stereo WAV`, () => {
      const bytes = encodeWavBuffer([a, b], rate, fmt, false);
      const pcm = parseWav(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      expect(pcm.sampleRate).toBe(rate);
      expect(pcm.channels).toHaveLength(2);
      expect(pcm.channels[0]).toHaveLength(1000);
      let worst = 0;
      for (let i = 0; i < 1000; i++) worst = Math.max(worst, Math.abs(pcm.channels[0][i] - a[i]), Math.abs(pcm.channels[1][i] - b[i]));
      expect(worst).toBeLessThanOrEqual(tol);
    });
  }

  it('rejects what is not a WAV', () => {
    expect(() => parseWav(new TextEncoder().encode('hello, not a wave file'))).toThrow(/not a WAV/);
  });
});

describe('LatestPump', () => {
  it('runs one request at a time and only the newest of those queued meanwhile', async () => {
    const ran: number[] = [];
    let release: (() => void) | undefined;
    const pump = new LatestPump<number>(async (n) => {
      ran.push(n);
      await new Promise<void>((r) => (release = r));
    });
    pump.push(1);
    pump.push(2);
    pump.push(3);
    pump.push(4);
    expect(ran).toEqual([1]);
    release?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual([1, 4]);
    release?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(pump.busy).toBe(false);
  });
});

describe('formatting and shortcuts', () => {
  it('formats names and times', () => {
    expect(applyNamePattern('{name}-denoised', 'holiday photo.jpg', 0)).toBe('holiday photo-denoised');
    expect(formatTime(65.25)).toBe('1:05.3');
    expect(formatDuration(3725)).toBe('1 h 02 min');
  });

  it('maps keys to actions, and ignores letters while typing', () => {
    const key = (k: string, extra: Partial<KeyboardEvent> = {}, tag = 'DIV'): KeyboardEvent =>
      ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, target: { tagName: tag, isContentEditable: false, getAttribute: () => null }, ...extra }) as unknown as KeyboardEvent;
    expect(actionFor(key('o', { ctrlKey: true }))).toBe('open');
    expect(actionFor(key('O', { ctrlKey: true, shiftKey: true }))).toBe('open-folder');
    expect(actionFor(key('e', { metaKey: true }))).toBe('export');
    expect(actionFor(key('c'))).toBe('compare-toggle');
    expect(actionFor(key(' '))).toBe('play');
    expect(actionFor(key(' ', {}, 'BUTTON'))).toBeNull();
    expect(actionFor(key('b'))).toBe('ab');
    expect(actionFor(key('1'))).toBe('zoom-100');
    expect(actionFor(key('c', {}, 'INPUT'))).toBeNull();
    expect(actionFor(key('Escape', {}, 'INPUT'))).toBe('close');
    // A focused checkbox (e.g. "show removed noise") does not swallow view shortcuts.
    const checkbox = { tagName: 'INPUT', isContentEditable: false, getAttribute: (n: string) => (n === 'type' ? 'checkbox' : null) };
    expect(actionFor(key('0', { target: checkbox as unknown as EventTarget }))).toBe('zoom-fit');
  });
});
