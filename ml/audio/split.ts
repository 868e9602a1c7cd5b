// The fixed train / validation / test split of ../shared/data/audio (see ml/audio/SPLIT.md).
// Whole speakers and whole noise files are held out; pairs/ is never used for training.
import { readdirSync } from 'node:fs';
import path from 'node:path';

export type Subset = 'train' | 'val' | 'test';

export const DATA_ROOT = process.env.HUSH_DATA ?? path.resolve(process.cwd(), '../shared/data');
export const AUDIO_ROOT = path.join(DATA_ROOT, 'audio');

/** Speech sources: a folder (all FLAC files inside, recursively) or one file, per subset. */
const SPEECH: Record<Subset, readonly string[]> = {
  train: [
    'speech/en-female-allison',
    'speech/it-male-carlo',
    'speech/librispeech-excerpts/198-209-0000.flac',
    'speech/mixed-speakers/female1.flac',
    'speech/mixed-speakers/male1.flac',
    'speech/klettres-fullband/de',
    'speech/klettres-fullband/en',
    'speech/klettres-fullband/en_GB',
    'speech/klettres-fullband/hu',
    'speech/klettres-fullband/pt_BR',
    'speech/klettres-fullband/uk',
  ],
  val: [
    'speech/librispeech-excerpts/3436-172162-0000.flac',
    'speech/mixed-speakers/male2.flac',
    'speech/klettres-fullband/da',
  ],
  test: [
    'speech/librispeech-excerpts/5703-47212-0000.flac',
    'speech/mixed-speakers/female2.flac',
    'speech/mixed-speakers/male3.flac',
    'speech/klettres-fullband/nl',
  ],
};

const hu = (a: number, b: number): string[] => Array.from({ length: b - a + 1 }, (_, i) => `noise/hu100-nonspeech/n${a + i}.flac`);

const NOISE: Record<Subset, readonly string[]> = {
  train: [
    ...hu(1, 80),
    'noise/background/doing_the_dishes.flac',
    'noise/background/dude_miaowing.flac',
    'noise/background/pink_noise.flac',
    'noise/background/white_noise.flac',
    'noise/misc-real/librosa_humpback.flac',
    'noise/misc-real/librosa_robin.flac',
    'noise/misc-real/pomodoro_birds.flac',
    'noise/misc-real/noisereduce_cafe_short.flac',
    'noise/babble-music/music.flac',
    'noise/babble-music/pink.flac',
    'noise/babble-music/white.flac',
  ],
  val: [
    ...hu(81, 90),
    'noise/background/exercise_bike.flac',
    'noise/misc-real/pomodoro_clock_ticking.flac',
  ],
  test: [
    ...hu(91, 100),
    'noise/background/running_tap.flac',
    'noise/misc-real/dfn_noise_freesound_573577.flac',
    'noise/babble-music/babble.flac',
  ],
};

function expand(rel: string): string[] {
  const abs = path.join(AUDIO_ROOT, rel);
  if (rel.endsWith('.flac')) return [abs];
  const out: string[] = [];
  for (const e of readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) out.push(...expand(path.join(rel, e.name)));
    else if (e.name.endsWith('.flac')) out.push(path.join(abs, e.name));
  }
  return out;
}

export function speechFiles(subset: Subset): string[] {
  return SPEECH[subset].flatMap(expand);
}

export function noiseFiles(subset: Subset): string[] {
  return NOISE[subset].flatMap(expand);
}

/** Real noisy/clean pairs (evaluation only). */
export function pairFiles(name: 'vctk-p287' | 'stoi-testvector'): { clean: string; noisy: string; name: string }[] {
  const dir = path.join(AUDIO_ROOT, 'pairs', name);
  return readdirSync(path.join(dir, 'clean'))
    .filter((f) => f.endsWith('.flac'))
    .sort()
    .map((f) => ({ name: f.replace(/\.flac$/, ''), clean: path.join(dir, 'clean', f), noisy: path.join(dir, 'noisy', f) }));
}

export const SPLIT_SOURCES = { speech: SPEECH, noise: NOISE } as const;
