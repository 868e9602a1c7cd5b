// Hostile image files: seeds of every image format Hush reads (PNG, JPEG, TIFF, WebP, GIF, AVIF)
// get random byte flips and truncations and go through the probe, the thumbnail and the full
// decode→denoise→encode pipeline. Each must give a result or a HushError — never another
// exception, a crash or a hang (time-bounded). The audio decoders have the same property test in
// test/engine/audio/decoder-robustness.test.ts. Cases and seconds are printed for docs/RELIABILITY.md.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denoiseImageFile } from '../../main/engine/image/pipeline.ts';
import { makeImageThumbnail } from '../../main/engine/image/preview.ts';
import { probeImage } from '../../main/engine/image/probe.ts';
import { HushError } from '../../main/engine/types.ts';
import { BlurBlockDenoiser } from '../engine/image/test-denoisers.ts';
import { photo } from './bad-input-fixtures.ts';

const RUNS = Number(process.env.HUSH_FUZZ_RUNS ?? 300);
const ctx = { denoiser: new BlurBlockDenoiser(2, 8) };
let dir = '';
const seeds: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hush-image-fuzz-'));
  const p = photo(40, 32);
  seeds.png = await p.clone().png().toBuffer();
  seeds.jpeg = await p.clone().jpeg({ quality: 80 }).toBuffer();
  seeds.tiff = await p.clone().tiff({ compression: 'lzw' }).toBuffer();
  seeds.webp = await p.clone().webp().toBuffer();
  seeds.gif = await p.clone().gif().toBuffer();
  seeds.avif = await p.clone().avif({ effort: 0 }).toBuffer();
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** 'ok' or the HushError code of each stage; anything else is a bug and fails the property. */
async function outcome(bytes: Uint8Array, name: string): Promise<string> {
  const input = path.join(dir, name);
  await writeFile(input, bytes);
  const codes: string[] = [];
  for (const stage of [
    () => probeImage(input),
    () => makeImageThumbnail(input, 32),
    () => denoiseImageFile(input, path.join(dir, `out-${name}`), { sigma: 20 }, ctx),
  ]) {
    try {
      await stage();
      codes.push('ok');
    } catch (e) {
      if (!(e instanceof HushError)) throw new Error(`${name}: ${String(e)} is not a HushError`, { cause: e });
      expect(e.message).not.toContain('\n');
      codes.push(e.code);
    }
  }
  // The app's thumbnail/preview and the export judge a file alike: no preview refused for a file
  // that exports (or the reverse).
  expect(codes[1] === 'ok', `${name}: thumbnail ${codes[1]} but export ${codes[2]}`).toBe(codes[2] === 'ok');
  return codes.join('/');
}

const mutation = fc.record({
  flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 10 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  headerOnly: fc.boolean(),
});

describe('image decoders survive damaged files', () => {
  it.each(['png', 'jpeg', 'tiff', 'webp', 'gif', 'avif'])('%s: byte flips and truncations → result or HushError', async (kind) => {
    const seed = seeds[kind];
    const seen = new Map<string, number>();
    let cases = 0;
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(mutation, async ({ flips, cut, headerOnly }) => {
        cases++;
        const b = Buffer.from(seed);
        // Mostly in the first 64 bytes (headers, where parsers go wrong), sometimes anywhere.
        for (const f of flips) b[f.at % (headerOnly ? Math.min(64, b.length) : b.length)] = f.value;
        const bytes = cut === undefined ? b : b.subarray(0, cut % b.length);
        const o = await outcome(bytes, `m.${kind}`);
        seen.set(o, (seen.get(o) ?? 0) + 1);
      }),
      { numRuns: RUNS, seed: Number(process.env.HUSH_FUZZ_SEED ?? 20261127), interruptAfterTimeLimit: 40_000 },
    );
    console.log(`image fuzz ${kind}: ${cases} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s — ${[...seen].map(([k, v]) => `${k}×${v}`).join(', ')}`);
    expect(cases).toBeGreaterThanOrEqual(Math.min(RUNS, 10));
    // The mutations reached the refusals (not all harmless).
    expect([...seen.keys()].some((k) => k !== 'ok/ok/ok')).toBe(true);
  }, 120_000);
});
