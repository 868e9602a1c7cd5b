// The reliability matrix: every bad or odd input of the reliability issue goes through ONE real
// engine batch (shipped models, wasm backend), each between two good files. Each must end as
// expected — denoised, or refused with the exact HushError code and a one-line message naming the
// file — while the good files around it still succeed, inputs stay byte-identical and unmodified,
// and no temporary or partial file is left anywhere. The observed table is printed for
// docs/RELIABILITY.md (HUSH_RELIABILITY_TABLE=1).
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../main/engine/engine.ts';
import type { BatchSummary, FileOutcome } from '../../main/engine/jobs/events.ts';
import { PARTIAL_MARK } from '../../main/engine/jobs/output-naming.ts';
import type { ErrorCode } from '../../main/engine/types.ts';
import { decodeAudio } from '../engine/engine-helpers.ts';
import { animated, fixture, floatTiffPhoto, half, photo, pngClaiming, silentWav, sixteenBitTiff, wav, wavWith } from './bad-input-fixtures.ts';

const IS_ROOT = process.getuid?.() === 0;

interface Case {
  /** File name (may contain sub-folders); its parent folders are created. */
  readonly name: string;
  /** What it is, for the table. */
  readonly what: string;
  readonly make: (dir: string) => Promise<Buffer | null> | Buffer | null;
  /** 'done' or the HushError code the batch must report. */
  readonly expect: 'done' | ErrorCode;
  /** The message must match this (failures) — besides naming the file. */
  readonly text?: RegExp;
  /** Checks on the output (done). */
  readonly check?: (output: string) => Promise<void>;
}

const expectImage = (w: number, h: number, extra?: (m: Metadata) => void) => async (out: string): Promise<void> => {
  const m = await sharp(out).metadata();
  expect([m.width, m.height]).toEqual([w, h]);
  extra?.(m);
};
const expectAudio = (channels: number, frames: number) => async (out: string): Promise<void> => {
  const a = await decodeAudio(out);
  expect(a.channels).toHaveLength(channels);
  expect(a.channels[0].length).toBe(frames);
  for (const ch of a.channels) for (const v of ch) if (!Number.isFinite(v)) throw new Error(`non-finite sample in ${out}`);
};

/** An animation's output is its first frame: 32×24, one page, the photo (not frame 2's flat grey 200). */
const firstFrame = async (out: string): Promise<void> => {
  await expectImage(32, 24, (m) => expect(m.pages ?? 1).toBe(1))(out);
  const { channels } = await sharp(out).stats();
  const frame1 = (await sharp(await photo(32, 24).png().toBuffer()).stats()).channels[0].mean; // stats() ignores the crop
  expect(Math.abs(frame1 - 200)).toBeGreaterThan(20); // the two frames really differ
  expect(Math.abs(channels[0].mean - frame1)).toBeLessThan(8);
};

const LONG_NAME = `${'long-name-'.repeat(24)}end.png`; // 243 bytes: NAME_MAX leaves little room for suffixes
const DEEP = `${Array.from({ length: 12 }, (_, i) => `folder number ${i} with a long name`).join('/')}/deep.wav`;

const cases: Case[] = [
  // Empty, text, wrong extension
  { name: 'zero.jpg', what: 'zero-byte .jpg', make: () => Buffer.alloc(0), expect: 'empty-file', text: /empty/ },
  { name: 'zero.wav', what: 'zero-byte .wav', make: () => Buffer.alloc(0), expect: 'empty-file', text: /empty/ },
  { name: 'notes.jpg', what: 'text file named .jpg', make: () => Buffer.from('Shopping list: eggs, milk.\n'.repeat(30)), expect: 'unsupported-format', text: /not a (photo|recording|file Hush)|not an image|not .*format/i },
  { name: 'notes.wav', what: 'text file named .wav', make: () => Buffer.from('RIFF? no, just words.\n'.repeat(30)), expect: 'unsupported-format' },
  { name: 'png-named.jpg', what: 'PNG named .jpg (content decides)', make: () => photo().png().toBuffer(), expect: 'done', check: expectImage(48, 40, (m) => expect(m.format).toBe('png')) },
  { name: 'jpeg-named.wav', what: 'JPEG named .wav', make: () => photo().jpeg().toBuffer(), expect: 'done', check: expectImage(48, 40, (m) => expect(m.format).toBe('jpeg')) },
  { name: 'wav-named.flac', what: 'WAV named .flac', make: (d) => wav(d, '16', 1, 8000), expect: 'done', check: expectAudio(1, 8000) },
  { name: 'flac-named.mp3', what: 'FLAC named .mp3', make: () => fixture('tone-48k-stereo-24bit.flac'), expect: 'done' },
  // Truncated
  { name: 'cut.jpg', what: 'truncated JPEG (half)', make: async () => half(await photo(200, 150).jpeg().toBuffer()), expect: 'corrupt-file', text: /damaged|incomplete|truncated/i },
  { name: 'cut.png', what: 'truncated PNG (half)', make: async () => half(await photo(200, 150).png().toBuffer()), expect: 'corrupt-file' },
  { name: 'cut.tif', what: 'truncated TIFF (half)', make: async () => half(await photo(200, 150).tiff().toBuffer()), expect: 'corrupt-file' },
  { name: 'cut.wav', what: 'truncated WAV (half)', make: (d) => half(wav(d, '24', 2, 16000)), expect: 'corrupt-file', text: /truncated|cut off|incomplete|shorter/i },
  { name: 'cut.flac', what: 'truncated FLAC (half)', make: () => half(fixture('tone-48k-stereo-24bit.flac')), expect: 'corrupt-file' },
  { name: 'cut.mp3', what: 'truncated MP3 (half)', make: () => half(fixture('tone-44k-stereo.mp3')), expect: 'corrupt-file' },
  // Bombs and odd geometry
  { name: 'bomb.png', what: 'PNG declaring 100000×100000', make: () => pngClaiming(100_000, 100_000), expect: 'too-large', text: /100000×100000.*MP/ },
  { name: 'one.png', what: '1×1 image', make: () => photo(1, 1).png().toBuffer(), expect: 'done', check: expectImage(1, 1) },
  { name: 'thin.png', what: '1×700 image', make: () => photo(1, 300).resize(1, 700, { fit: 'fill' }).png().toBuffer(), expect: 'done', check: expectImage(1, 700) },
  { name: 'wide.png', what: '700×1 image', make: () => photo(300, 1).resize(700, 1, { fit: 'fill' }).png().toBuffer(), expect: 'done', check: expectImage(700, 1) },
  // Colour models and multi-frame
  { name: 'cmyk.jpg', what: 'CMYK JPEG', make: () => photo().toColourspace('cmyk').jpeg().toBuffer(), expect: 'done', check: expectImage(48, 40) },
  { name: 'palette.png', what: 'palette PNG', make: () => photo().png({ palette: true, colours: 16 }).toBuffer(), expect: 'done', check: expectImage(48, 40) },
  { name: 'anim.gif', what: 'animated GIF (2 frames)', make: () => animated('gif'), expect: 'done', check: firstFrame },
  { name: 'anim.webp', what: 'animated WebP (2 frames)', make: () => animated('webp'), expect: 'done', check: firstFrame },
  { name: 'sixteen.tif', what: '16-bit TIFF', make: () => sixteenBitTiff(), expect: 'done', check: expectImage(48, 40, (m) => expect(m.depth).toBe('ushort')) },
  { name: 'float.tif', what: '32-bit float TIFF', make: () => floatTiffPhoto(), expect: 'done', check: expectImage(24, 20) },
  // WAV encodings
  { name: 'alaw.wav', what: 'WAV A-law', make: (d) => wav(d, '8a', 1, 8000), expect: 'done', check: expectAudio(1, 8000) },
  { name: 'mulaw.wav', what: 'WAV µ-law', make: (d) => wav(d, '8m', 1, 8000), expect: 'done', check: expectAudio(1, 8000) },
  { name: 'u8.wav', what: 'WAV 8-bit', make: (d) => wav(d, '8', 1, 8000), expect: 'done', check: expectAudio(1, 8000) },
  { name: 's24.wav', what: 'WAV 24-bit', make: (d) => wav(d, '24', 2, 8000), expect: 'done', check: expectAudio(2, 8000) },
  { name: 's32.wav', what: 'WAV 32-bit int', make: (d) => wav(d, '32', 1, 8000), expect: 'done', check: expectAudio(1, 8000) },
  { name: 'f64.wav', what: 'WAV 64-bit float', make: (d) => wav(d, '64', 1, 8000), expect: 'done', check: expectAudio(1, 8000) },
  { name: 'extensible.wav', what: 'WAVE_FORMAT_EXTENSIBLE 24-bit stereo', make: (d) => wav(d, '24', 2, 8000, true), expect: 'done', check: expectAudio(2, 8000) },
  { name: 'six.wav', what: 'WAV 6 channels (5.1, extensible)', make: (d) => wav(d, '16', 6, 8000, true), expect: 'done', check: expectAudio(6, 8000) },
  { name: 'ten.wav', what: 'WAV 10 samples long', make: (d) => wav(d, '16', 1, 10), expect: 'done', check: expectAudio(1, 10) },
  { name: 'silence.wav', what: 'WAV all silence', make: () => silentWav(8000), expect: 'done', check: async (out) => { const a = await decodeAudio(out); expect(Math.max(...a.channels[0].map(Math.abs))).toBe(0); } },
  { name: 'nan.wav', what: 'float WAV containing NaN', make: (d) => wavWith(d, Number.NaN), expect: 'corrupt-file', text: /NaN|not a number|invalid sample/i },
  { name: 'inf.wav', what: 'float WAV containing +Inf', make: (d) => wavWith(d, Number.POSITIVE_INFINITY), expect: 'corrupt-file', text: /Inf|invalid sample/i },
  // Paths
  { name: 'Fotó – 日本語 ñ 😀.png', what: 'non-ASCII file name', make: () => photo().png().toBuffer(), expect: 'done', check: expectImage(48, 40) },
  { name: LONG_NAME, what: `243-byte file name`, make: () => photo().png().toBuffer(), expect: 'done', check: expectImage(48, 40) },
  { name: '   spaces   in   name   .png', what: 'space-filled file name', make: () => photo().png().toBuffer(), expect: 'done', check: expectImage(48, 40) },
  { name: DEEP, what: `path of ${DEEP.length + 30}+ characters, 12 folders deep`, make: (d) => wav(d, '16', 1, 8000), expect: 'done', check: expectAudio(1, 8000) },
  // Name collisions: a second input called one.png (another folder) gets a unique output name.
  { name: 'twin/one.png', what: 'second input named one.png (other folder)', make: () => photo(1, 1).png().toBuffer(), expect: 'done', check: async (out) => expect(path.basename(out)).toBe('one-1.png') },
  // Unreadable (chmod 000 only bites for non-root users; the root case is covered below by a child process that drops to 'nobody')
  { name: 'folder.jpg', what: 'a folder named .jpg', make: () => null, expect: 'unreadable', text: /folder/ },
  { name: 'dangling.wav', what: 'a symlink to nothing', make: () => null, expect: 'unreadable', text: /does not exist|not found|no such/i },
  ...(IS_ROOT ? [] : [{ name: 'locked.png', what: 'chmod 000 file', make: () => photo().png().toBuffer(), expect: 'unreadable' as const, text: /permission/ }]),
];

let engine: Engine;
let roInputs = '';
let root = '';
let inDir = '';
const table: string[] = [];

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (!e.isDirectory()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  return out.sort();
}
async function fingerprint(dir: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const rel of await tree(dir)) {
    const p = path.join(dir, rel);
    const s = await lstat(p);
    if (!s.isFile()) continue;
    // A file we made unreadable (non-root run) is compared by size, mtime and inode only.
    const bytes = s.mode & 0o444 ? await readFile(p) : Buffer.from(String(s.size));
    m.set(rel, `${createHash('sha256').update(bytes).digest('hex')} ${s.mtimeMs} ${s.ino}`);
  }
  return m;
}
const describeOutcome = (o: FileOutcome): string => (o.status === 'failed' ? `${o.error.code}: ${o.error.message}` : o.status);

beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
  root = await mkdtemp(path.join(tmpdir(), 'hush-reliability-'));
  inDir = path.join(root, 'in');
  await mkdir(inDir);
}, 120_000);
afterAll(async () => {
  await engine?.dispose();
  if (roInputs) spawnSync('umount', [roInputs]);
  if (process.env.HUSH_RELIABILITY_TABLE) console.log(`\n${table.join('\n')}\n`);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('bad inputs in one real engine batch', () => {
  it('each bad file gets its exact error or a correct output, the good ones around it succeed, nothing is left behind', async () => {
    const files: string[] = [];
    const expected: Array<{ c: Case | null; input: string }> = [];
    const good = async (i: number): Promise<void> => {
      const p = path.join(inDir, i % 2 ? `good-${i}.wav` : `good-${i}.png`);
      await writeFile(p, i % 2 ? wav(root, '16', 1, 4000) : await photo(40, 32).png().toBuffer());
      files.push(p);
      expected.push({ c: null, input: p });
    };
    let g = 0;
    await good(g++);
    for (const c of cases) {
      const p = path.join(inDir, c.name);
      await mkdir(path.dirname(p), { recursive: true });
      const bytes = await c.make(root);
      if (c.name === 'folder.jpg') await mkdir(p);
      else if (c.name === 'dangling.wav') await symlink(path.join(inDir, 'gone.wav'), p);
      else await writeFile(p, bytes!);
      files.push(p);
      expected.push({ c, input: p });
      await good(g++);
    }
    // Originals read-only (and, for the non-root case, one unreadable), fingerprinted before.
    for (const rel of await tree(inDir)) if (!rel.endsWith('dangling.wav')) await chmod(path.join(inDir, rel), rel.endsWith('locked.png') ? 0o000 : 0o444);
    const before = await fingerprint(inDir);
    // As root, permissions do not stop writes: make the inputs' folder a read-only bind mount, so
    // any attempt to open an original for writing fails loudly (EROFS) instead of going unnoticed.
    if (IS_ROOT && spawnSync('mount', ['--bind', inDir, inDir]).status === 0) {
      roInputs = inDir;
      execFileSync('mount', ['-o', 'remount,bind,ro', inDir]);
      await expect(writeFile(path.join(inDir, 'probe'), 'x')).rejects.toMatchObject({ code: 'EROFS' });
    }

    // An earlier output sits where good-0's output would go: it must survive, good-0 gets another name.
    const out = path.join(root, 'out');
    await mkdir(out);
    await writeFile(path.join(out, 'good-0.png'), 'an earlier export the user kept');
    const t0 = performance.now();
    const summary: BatchSummary = await engine.denoise({ files: files.map((p) => ({ path: p })), outDir: out, sigma: 'auto', reductionDb: 'auto' }).result;
    const seconds = (performance.now() - t0) / 1000;

    expect(summary.outcomes).toHaveLength(files.length);
    table.push(`batch: ${files.length} files (${cases.length} odd/bad + ${g} good) in ${seconds.toFixed(1)} s`, '', '| input | file | expected | observed |', '|---|---|---|---|');
    const problems: string[] = [];
    for (const [i, o] of summary.outcomes.entries()) {
      const { c, input } = expected[i];
      expect(o.input).toBe(input);
      const want = c?.expect ?? 'done';
      const got = o.status === 'failed' ? o.error.code : o.status;
      if (c) table.push(`| ${c.what} | \`${c.name.length > 40 ? `${c.name.slice(0, 37)}…` : c.name}\` | ${want} | ${describeOutcome(o).replaceAll('|', '\\|').replaceAll(root, '<tmp>')} |`);
      if (got !== want) {
        problems.push(`${path.basename(input)}: expected ${want}, got ${describeOutcome(o)}`);
        continue;
      }
      if (o.status === 'failed') {
        expect(o.error.message, input).not.toContain('\n');
        expect(o.error.message, input).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack traces
        expect(o.error.message, input).toContain(path.basename(input));
        if (c?.text) expect(o.error.message, input).toMatch(c.text);
      } else if (o.status === 'done') {
        expect(path.dirname(o.result.output)).toBe(out);
        if (c?.check) await c.check(o.result.output);
      }
    }
    expect(problems).toEqual([]);

    // Nothing partial or temporary anywhere; exactly one output per finished file.
    const written = await tree(out);
    expect(written.filter((n) => n.startsWith('.') || n.includes(PARTIAL_MARK))).toEqual([]);
    expect(written).toHaveLength(summary.outcomes.filter((o) => o.status === 'done').length + 1);
    expect(await readFile(path.join(out, 'good-0.png'), 'utf8')).toBe('an earlier export the user kept');
    const first = summary.outcomes[0];
    expect(first.status === 'done' && path.basename(first.result.output)).toBe('good-0-1.png');
    expect(await fingerprint(inDir)).toEqual(before);
    expect((await tree(inDir)).filter((n) => n.includes(PARTIAL_MARK))).toEqual([]);
  }, 600_000);

  it.runIf(IS_ROOT)('root: a chmod 000 photo and recording are unreadable for a normal user (checked in a child running as nobody)', async () => {
    const dir = path.join(root, 'locked');
    await mkdir(dir);
    await chmod(root, 0o755);
    await chmod(dir, 0o755);
    const img = path.join(dir, 'locked.png');
    const snd = path.join(dir, 'locked.wav');
    await writeFile(img, await photo().png().toBuffer());
    await writeFile(snd, wav(root, '16', 1, 4000));
    await chmod(img, 0o000);
    await chmod(snd, 0o000);
    const script = path.join(dir, 'probe.mts');
    const repo = process.cwd();
    await writeFile(script, [
      `import { probeImage } from ${JSON.stringify(path.join(repo, 'main/engine/image/probe.ts'))};`,
      `import { openAudioReader } from ${JSON.stringify(path.join(repo, 'main/engine/audio/index.ts'))};`,
      `const codes = [];`,
      `for (const f of [() => probeImage(${JSON.stringify(img)}), () => openAudioReader(${JSON.stringify(snd)})]) await f().then(() => codes.push('ok'), (e) => codes.push(e.code + ': ' + e.message));`,
      `console.log(JSON.stringify(codes));`,
    ].join('\n'));
    // TMPDIR=/tmp: tsx keeps its cache under the temp folder, and an inherited TMPDIR may not be writable for 'nobody'.
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repo, uid: 65534, gid: 65534, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TMPDIR: '/tmp' } });
    expect(r.status, r.stderr).toBe(0);
    const codes = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
    table.push('', `chmod 000 (as uid 65534): ${codes.join(' / ')}`);
    expect(codes[0]).toMatch(/^unreadable: .*locked\.png.*permission/);
    expect(codes[1]).toMatch(/^unreadable: .*locked\.wav.*permission/);
  }, 90_000);
});

describe('output folders that cannot take the outputs', () => {
  const mounts: string[] = [];
  const canMount = IS_ROOT && spawnSync('mount', ['--version']).status === 0;
  afterAll(() => {
    for (const m of mounts) spawnSync('umount', ['-l', m]);
  });

  async function goodInputs(n: number): Promise<string[]> {
    const d = path.join(root, `inputs-${n}-${Math.random().toString(36).slice(2)}`);
    await mkdir(d);
    const list: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = path.join(d, i % 2 ? `a${i}.wav` : `p${i}.png`);
      await writeFile(p, i % 2 ? wav(root, '24', 2, 16000) : await photo(160, 120).png({ compressionLevel: 0 }).toBuffer());
      list.push(p);
    }
    return list;
  }

  it('read-only output folder: every file fails as output-unwritable, with nothing written', async () => {
    const out = path.join(root, 'ro-out');
    await mkdir(out);
    let how: string;
    if (IS_ROOT && canMount) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', out]);
      mounts.push(out);
      how = 'read-only tmpfs mount';
    } else {
      await chmod(out, 0o555);
      how = 'chmod 555';
    }
    const inputs = await goodInputs(2);
    const s = await engine.denoise({ files: inputs.map((p) => ({ path: p })), outDir: out, sigma: 25, reductionDb: 10 }).result;
    const seen = s.outcomes.map(describeOutcome);
    table.push('', `read-only output folder (${how}): ${seen.join(' / ')}`);
    expect(s.outcomes.map((o) => (o.status === 'failed' ? o.error.code : o.status))).toEqual(['output-unwritable', 'output-unwritable']);
    for (const o of s.outcomes) {
      if (o.status !== 'failed') continue;
      expect(o.error.message).toMatch(/read-only|permission/i);
      // The user's output name, never the hidden temp file's.
      expect(o.error.message).toContain(`${path.basename(o.input, path.extname(o.input))}${path.extname(o.input)}`);
      expect(o.error.message).not.toContain(PARTIAL_MARK);
    }
    expect(await readdir(out)).toEqual([]);
  }, 120_000);

  it.runIf(canMount)('full output folder (a 160 KiB tmpfs): files that do not fit fail as output-unwritable, no partial files, later small files still succeed', async () => {
    const out = path.join(root, 'full-out');
    await mkdir(out);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160k', 'tmpfs', out]);
    mounts.push(out);
    // 160×120 PNGs (~58 KB) and 1 s 24-bit stereo WAVs (~96 KB): the folder fills after a few.
    const inputs = await goodInputs(6);
    const small = path.join(root, 'small.png');
    await writeFile(small, await photo(8, 8).png().toBuffer());
    const s = await engine.denoise({ files: [...inputs, small].map((p) => ({ path: p })), outDir: out, sigma: 25, reductionDb: 10 }).result;
    const seen = s.outcomes.map(describeOutcome);
    table.push('', `full output folder (160 KiB tmpfs): ${seen.map((x) => x.replaceAll(root, '<tmp>')).join(' / ')}`);
    const failed = s.outcomes.filter((o) => o.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const o of failed) {
      expect(o.error.code).toBe('output-unwritable');
      expect(o.error.message).toMatch(/no space|full/i);
      expect(o.error.message).toContain(path.basename(o.input));
      expect(o.error.message).not.toContain(PARTIAL_MARK);
    }
    expect(s.outcomes.at(-1)?.status).toBe('done');
    const left = await readdir(out);
    expect(left.filter((n) => n.startsWith('.') || n.includes(PARTIAL_MARK))).toEqual([]);
    expect(left).toHaveLength(s.outcomes.filter((o) => o.status === 'done').length);
    for (const n of left) expect((await stat(path.join(out, n))).size).toBeGreaterThan(0);
  }, 120_000);
});
