import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../../main/cli/args.ts';

describe('hush command line parsing', () => {
  it('parses a full denoise command', () => {
    expect(parseCommand(['denoise', 'a.jpg', 'dir', '--out', 'o', '--sigma', '25', '--reduction-db', 'auto', '-r', '--format', 'png', '--quality', '90', '--jobs', '2', '--skip-existing'])).toEqual({
      command: 'denoise', inputs: ['a.jpg', 'dir'], out: 'o', sigma: 25, reductionDb: 'auto', recursive: true, imageFormat: 'png', quality: 90,
      jobs: 2, skipExisting: true, overwrite: false, json: false,
    });
    expect(parseCommand(['denoise', 'x.wav', '-o', 'o', '-f', 'flac', '-d', '18'])).toMatchObject({ audioFormat: 'flac', reductionDb: 18, sigma: 'auto' });
    expect(parseCommand(['info', '--json'])).toEqual({ command: 'info', json: true });
    expect(parseCommand([])).toEqual({ command: 'help' });
  });

  it('refuses bad usage with a one-line reason', () => {
    const bad = [
      ['denoise', '--out', 'o'],
      ['denoise', 'a.jpg'],
      ['denoise', 'a.jpg', '--out', 'o', '--sigma', '300'],
      ['denoise', 'a.jpg', '--out', 'o', '--sigma', 'loud'],
      ['denoise', 'a.jpg', '--out', 'o', '--reduction-db', '-3'],
      ['denoise', 'a.jpg', '--out', 'o', '--format', 'bmp'],
      ['denoise', 'a.jpg', '--out', 'o', '--jobs', '0'],
      ['denoise', 'a.jpg', '--out', 'o', '--quality', '101'],
      ['denoise', 'a.jpg', '--out', 'o', '--bit-depth', '12'],
      ['denoise', 'a.jpg', '--out', 'o', '--name-pattern', '../{name}'],
      ['denoise', 'a.jpg', '--out', 'o', '--frobnicate'],
      ['transmogrify'],
    ];
    for (const argv of bad) {
      expect(() => parseCommand(argv), argv.join(' ')).toThrow(UsageError);
      try {
        parseCommand(argv);
      } catch (err) {
        expect((err as Error).message).not.toContain('\n');
      }
    }
  });
});
