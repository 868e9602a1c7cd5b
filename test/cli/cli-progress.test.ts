import { describe, expect, it } from 'vitest';
import { createProgressView, describeOutcome, formatSeconds } from '../../main/cli/progress.ts';

class Stream {
  text = '';
  columns = 100;
  constructor(readonly isTTY: boolean) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

describe('CLI progress display', () => {
  it('draws a bar with percentage, file, stage and ETA on a terminal, and prints results above it', () => {
    const out = new Stream(true);
    const err = new Stream(true);
    const view = createProgressView(2, true, out as unknown as NodeJS.WriteStream, err as unknown as NodeJS.WriteStream);
    view.onEvent({ type: 'progress', index: 0, path: '/p/a.jpg', stage: 'denoising', fraction: 0.5, overall: 0.25, etaSeconds: 75 });
    expect(err.text).toMatch(/\r\x1b\[2K\[#+-+\]  25% 0\/2 a\.jpg denoising ETA 1:15$/);
    view.onEvent({ type: 'file', outcome: { status: 'failed', index: 0, input: '/p/a.jpg', error: { code: 'corrupt-file', message: 'a.jpg is truncated' } }, overall: 0.5, etaSeconds: 10 });
    expect(err.text).toContain('FAILED   /p/a.jpg: a.jpg is truncated [corrupt-file]\n');
    view.finish();
    expect(err.text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('prints plain lines (no escape codes) when not on a terminal', () => {
    const out = new Stream(false);
    const err = new Stream(false);
    const view = createProgressView(1, false, out as unknown as NodeJS.WriteStream, err as unknown as NodeJS.WriteStream);
    view.onEvent({ type: 'progress', index: 0, path: '/p/a.wav', stage: 'denoising', fraction: 0.5, overall: 0.5, etaSeconds: 3 });
    view.onEvent({
      type: 'file',
      outcome: { status: 'done', index: 0, input: '/p/a.wav', result: { input: '/p/a.wav', output: '/o/a.wav', kind: 'audio', strength: 18, estimate: 7.25, seconds: 2.5 } },
      overall: 1,
      etaSeconds: 0,
    });
    view.finish();
    expect(err.text).toBe('');
    expect(out.text).toBe('done     /p/a.wav -> /o/a.wav (18 dB, input SNR 7.3 dB, 2.5 s)\n');
    expect(out.text).not.toContain('\x1b');
  });

  it('prints a plain progress line now and then during a long file in a log', () => {
    const out = new Stream(false);
    const err = new Stream(false);
    let t = 0;
    const view = createProgressView(2, false, out as unknown as NodeJS.WriteStream, err as unknown as NodeJS.WriteStream, () => t);
    const progress = (fraction: number) => view.onEvent({ type: 'progress', index: 0, path: '/p/big.jpg', stage: 'denoising', fraction, overall: fraction / 2, etaSeconds: 100 });
    progress(0.1);
    t = 5_000;
    progress(0.2);
    expect(err.text).toBe('');
    t = 16_000;
    progress(0.3);
    expect(err.text).toBe('progress 15% (0/2 files, ETA 1:40) big.jpg denoising\n');
    t = 17_000;
    progress(0.4);
    expect(err.text.split('\n')).toHaveLength(2);
  });

  it('formats durations for people', () => {
    expect(formatSeconds(3.21)).toBe('3.2 s');
    expect(formatSeconds(42)).toBe('42 s');
    expect(formatSeconds(125)).toBe('2:05');
    expect(formatSeconds(3725)).toBe('1:02:05');
    expect(describeOutcome({ status: 'cancelled', index: 0, input: '/x.jpg' }, '/')).toBe('cancelled x.jpg');
  });
});
