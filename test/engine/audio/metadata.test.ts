// Tags survive denoising (WAV LIST/INFO and bext; FLAC Vorbis comments), also across WAV ↔ FLAC.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { describe, expect, it } from 'vitest';
import { createAudioWriter, denoiseAudioFile, readAudioMetadataFromPath } from '../../../main/engine/audio/index.ts';
import { MinStatsDenoiser } from './helpers/min-stats-denoiser.ts';
import { decodeFile } from './helpers/real-audio.ts';
import { tempDir, testSignal } from './helpers/wav-fixtures.ts';

const { WaveFile } = wavefile;
const den = new MinStatsDenoiser(6);

function taggedWav(path: string): void {
  const w = new WaveFile();
  const sig = testSignal(2, 16000, 16000).map((c) => Float64Array.from(c, (v) => Math.round(v * 32767)));
  w.fromScratch(2, 16000, '16', sig);
  w.setTag('INAM', 'Interview – café №1');
  w.setTag('IART', 'Hush test');
  w.setTag('ICMT', 'recorded on a phone');
  (w as unknown as { bext: Record<string, unknown> }).bext = {
    chunkId: 'bext', chunkSize: 0, description: 'field recording', originator: 'Hush', originatorReference: 'ref-42',
    originationDate: '2026-11-27', originationTime: '03:00:00', timeReference: [48000, 0], version: 1, UMID: '',
    loudnessValue: 0, loudnessRange: 0, maxTruePeakLevel: 0, maxMomentaryLoudness: 0, maxShortTermLoudness: 0, reserved: '', codingHistory: '',
  };
  writeFileSync(path, w.toBuffer());
}

describe('metadata carry-over', () => {
  it('WAV → WAV keeps LIST/INFO and bext, samples still read correctly', async () => {
    const dir = tempDir();
    const input = join(dir, 'tagged.wav');
    taggedWav(input);
    const out = join(dir, 'out.wav');
    await denoiseAudioFile(input, out, { reductionDb: 10 }, { denoiser: den });
    const w = new WaveFile(readFileSync(out));
    expect(w.getTag('INAM')).toBe('Interview – café №1');
    expect(w.getTag('IART')).toBe('Hush test');
    const bext = (w as unknown as { bext: { originatorReference: string; description: string; timeReference: number[] } }).bext;
    // wavefile reads the fixed-width text fields back with their padding.
    expect(bext.originatorReference.replace(/[\s\0]+$/, '')).toBe('ref-42');
    expect(bext.description.replace(/[\s\0]+$/, '')).toBe('field recording');
    expect(bext.timeReference[0]).toBe(48000);
    const got = await decodeFile(out);
    expect(got.channels[0].length).toBe(16000);
  });

  it('WAV → FLAC turns INFO into Vorbis comments; FLAC → WAV turns them back', async () => {
    const dir = tempDir();
    const input = join(dir, 'tagged.wav');
    taggedWav(input);
    const flac = join(dir, 'out.flac');
    await denoiseAudioFile(input, flac, { reductionDb: 10 }, { denoiser: den });
    const meta = await readAudioMetadataFromPath(flac, 'flac');
    expect(meta.tags).toEqual(expect.arrayContaining([['TITLE', 'Interview – café №1'], ['ARTIST', 'Hush test'], ['COMMENT', 'recorded on a phone']]));
    // libFLAC accepts the metadata and the audio after it.
    const d = new FLACDecoder();
    await d.ready;
    const r = await d.decodeFile(new Uint8Array(readFileSync(flac)));
    d.free();
    expect(r.errors).toEqual([]);
    expect(r.samplesDecoded).toBe(16000);
    const back = join(dir, 'back.wav');
    await denoiseAudioFile(flac, back, { reductionDb: 0 }, { denoiser: den });
    expect(new WaveFile(readFileSync(back)).getTag('INAM')).toBe('Interview – café №1');
  });

  it('FLAC → FLAC keeps the Vorbis comment block as it was', async () => {
    const dir = tempDir();
    const input = join(dir, 'in.flac');
    const w = await createAudioWriter(input, {
      format: 'flac', sampleFormat: 'pcm16', sampleRate: 22050, channels: 1,
      metadata: { wavChunks: [], flacBlocks: [], tags: [['TITLE', 'Birdsong'], ['LOCATION', 'Garden']] },
    });
    await w.write([Float32Array.from({ length: 22050 }, (_, i) => 0.3 * Math.sin(i / 4))]);
    await w.finish();
    const out = join(dir, 'out.flac');
    await denoiseAudioFile(input, out, { reductionDb: 8 }, { denoiser: den });
    const meta = await readAudioMetadataFromPath(out, 'flac');
    expect(meta.tags).toEqual([['TITLE', 'Birdsong'], ['LOCATION', 'Garden']]);
  });
});
