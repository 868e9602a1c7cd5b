// Damaged files never crash or hang the decoders: every mutated or truncated input either decodes
// or fails with a HushError (the reliability suite adds the wider fuzzing matrix).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openAudioReader } from '../../../main/engine/audio/index.ts';
import { HushError } from '../../../main/engine/types.ts';
import { tempDir, writeWavFixture } from './helpers/wav-fixtures.ts';

const dir = tempDir();
const wavPath = join(dir, 'seed.wav');
writeWavFixture(wavPath, '24', 2, 44100, 2000, true);

const seeds: Record<string, Buffer> = {
  wav: readFileSync(wavPath),
  flac: readFileSync('test/fixtures/audio/tone-48k-stereo-24bit.flac').subarray(0, 6000),
  mp3: readFileSync('test/fixtures/audio/tone-44k-stereo.mp3'),
  ogg: readFileSync('test/fixtures/audio/tone-48k-stereo.ogg'),
};

/** Decodes everything; returns 'ok' or the HushError code. Anything else is a bug. */
async function decodeOrHushError(bytes: Uint8Array, name: string): Promise<string> {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  try {
    const r = await openAudioReader(p);
    try {
      let total = 0;
      for (;;) {
        const b = await r.read(8192);
        if (b[0].length === 0) break;
        expect(b.length).toBe(r.info.channels);
        total += b[0].length;
        if (total > 10_000_000) throw new Error('decoder produced far more audio than the input can hold');
      }
      return 'ok';
    } finally {
      await r.close();
    }
  } catch (e) {
    if (e instanceof HushError) return e.code;
    throw e;
  }
}

const mutation = fc.record({
  flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 12 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
});

describe('decoders survive damaged input', () => {
  it.each(Object.keys(seeds))('%s: random byte flips and truncations → audio or HushError', async (kind) => {
    const seed = seeds[kind];
    // The console noise of libFLAC's wasm build on broken streams is expected here.
    const err = console.error;
    console.error = () => undefined;
    const seen = new Map<string, number>();
    try {
      await fc.assert(
        fc.asyncProperty(mutation, async ({ flips, cut }) => {
          const b = Buffer.from(seed);
          // Damage the header region most of the time: that is where parsers go wrong.
          for (const f of flips) b[f.at % Math.min(b.length, f.at % 3 === 0 ? b.length : 256)] = f.value;
          const bytes = cut === undefined ? b : b.subarray(0, cut % b.length);
          const outcome = await decodeOrHushError(bytes, `m.${kind}`);
          seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        }),
        { numRuns: Number(process.env.HUSH_FUZZ_RUNS ?? 60), seed: Number(process.env.HUSH_FUZZ_SEED ?? 20261127), interruptAfterTimeLimit: 60_000 },
      );
    } finally {
      console.error = err;
    }
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect([...seen.keys()].some((k) => k !== 'ok')).toBe(true);
  });

  it('random bytes of every small length are refused as not audio or empty', async () => {
    const codes = new Set<string>();
    for (let n = 0; n < 64; n++) {
      const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + n * 17) & 0xff));
      codes.add(await decodeOrHushError(b, 'r.bin'));
    }
    expect(codes.has('ok')).toBe(false);
    expect(codes.has('empty-file')).toBe(true);
  });
});
