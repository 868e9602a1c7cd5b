import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, parseArgs, parseValue, setPath } from '../../../ml/core/cli-config.ts';
import { main } from '../../../ml/train.ts';

describe('training CLI config', () => {
  it('parses values as JSON where they look like it', () => {
    expect(parseValue('3e-4')).toBe(3e-4);
    expect(parseValue('20000')).toBe(20000);
    expect(parseValue('false')).toBe(false);
    expect(parseValue('[15,25,50]')).toEqual([15, 25, 50]);
    expect(parseValue('{"type":"adam"}')).toEqual({ type: 'adam' });
    expect(parseValue('cosine')).toBe('cosine');
    expect(parseValue('{oops')).toBe('{oops');
  });

  it('applies --key value, --key=value, dotted keys and bare flags over the config file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hush-cfg-'));
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ name: 'x', steps: 100, optimizer: { type: 'adam', lr: 1e-3 }, keep: [1, 2] }));
    const args = parseArgs(['--config', file, '--steps', '5', '--optimizer.lr=3e-4', '--schedule.kind', 'cosine', '--resume']);
    expect(args.configFile).toBe(file);
    const cfg = await loadConfig(args);
    expect(cfg).toEqual({ name: 'x', steps: 5, optimizer: { type: 'adam', lr: 3e-4 }, keep: [1, 2], schedule: { kind: 'cosine' }, resume: true });
    // the default file is used when --config is absent
    expect((await loadConfig(parseArgs(['--steps', '7']), file)).steps).toBe(7);
  });

  it('rejects stray arguments, prototype keys and unknown model kinds', async () => {
    expect(() => parseArgs(['image'])).toThrow(/Unexpected argument/);
    expect(() => setPath({}, '__proto__.polluted', 1)).toThrow(/Bad option/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const errors: string[] = [];
    const orig = console.error;
    console.error = (s: string) => errors.push(s);
    try {
      expect(await main(['video'])).toBe(2);
    } finally {
      console.error = orig;
    }
    expect(errors.join('\n')).toMatch(/Unknown model kind 'video'/);
  });
});
