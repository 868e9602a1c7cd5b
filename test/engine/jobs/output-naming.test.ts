import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandPattern, extensionFor, OutputPlanner, PARTIAL_MARK } from '../../../main/engine/jobs/output-naming.ts';
import { HushError } from '../../../main/engine/types.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hush-naming-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTemp(target: string, text: string): Promise<string> {
  const temp = OutputPlanner.tempFor(target);
  await writeFile(temp, text);
  return temp;
}

describe('output naming', () => {
  it('keeps the input name, with the output format extension', () => {
    expect(extensionFor('jpeg', '/a/photo.JPEG')).toBe('.JPEG');
    expect(extensionFor('jpeg', '/a/photo.png')).toBe('.jpg');
    expect(extensionFor('png', '/a/photo.jpg')).toBe('.png');
    expect(extensionFor('flac', '/a/take.wav')).toBe('.flac');
    expect(expandPattern('{name}-denoised', '/a/photo.jpg', { name: 'photo', index: 0 })).toBe('photo-denoised');
    expect(expandPattern('{index}_{name}_s{strength}', '/a/p.jpg', { name: 'p', index: 4, strength: 25 })).toBe('5_p_s25');
    expect(expandPattern('{name}', '/a/x.jpg', { name: '../../etc/passwd', index: 0 })).not.toContain('/');
    expect(Buffer.byteLength(expandPattern('{name}', '/a/x.jpg', { name: 'é'.repeat(400), index: 0 }))).toBeLessThanOrEqual(180);
  });

  it('gives each file of a batch its own name and never replaces an existing file unless asked', async () => {
    await writeFile(path.join(dir, 'photo.jpg'), 'earlier output');
    const planner = new OutputPlanner([], { overwrite: false, skipExisting: false });
    const a = await planner.claim(dir, 'photo', '.jpg');
    const b = await planner.claim(dir, 'photo', '.jpg');
    expect(a).toEqual({ kind: 'target', path: path.join(dir, 'photo-1.jpg') });
    expect(b).toEqual({ kind: 'target', path: path.join(dir, 'photo-2.jpg') });
    const final = await planner.commit(await writeTemp(a.path, 'new'), a.path);
    expect(final).toBe(a.path);
    expect(await readFile(path.join(dir, 'photo.jpg'), 'utf8')).toBe('earlier output');
    expect((await readdir(dir)).some((n) => n.includes(PARTIAL_MARK))).toBe(false);

    const overwriting = new OutputPlanner([], { overwrite: true, skipExisting: false });
    const c = await overwriting.claim(dir, 'photo', '.jpg');
    expect(c.path).toBe(path.join(dir, 'photo.jpg'));
    await overwriting.commit(await writeTemp(c.path, 'replaced'), c.path);
    expect(await readFile(path.join(dir, 'photo.jpg'), 'utf8')).toBe('replaced');
    // Even with overwrite, two files of one batch do not share a name.
    expect((await overwriting.claim(dir, 'photo', '.jpg')).path).toBe(path.join(dir, 'photo-2.jpg'));
  });

  it('never targets an input, however the path is spelled (symlinked folder, ..)', async () => {
    const real = path.join(dir, 'real');
    await mkdir(real);
    const input = path.join(real, 'photo.jpg');
    await writeFile(input, 'original');
    const link = path.join(dir, 'link');
    await symlink(real, link);
    const planner = new OutputPlanner([input], { overwrite: false, skipExisting: true });
    // Output folder = the input's folder reached through a symlink and a `..`.
    const claim = await planner.claim(path.join(link, '..', 'link'), 'photo', '.jpg');
    expect(claim).toEqual({ kind: 'target', path: path.join(link, 'photo-1.jpg') });

    const strict = new OutputPlanner([input], { overwrite: true, skipExisting: false });
    await expect(strict.claim(link, 'photo', '.jpg')).rejects.toMatchObject({ code: 'would-overwrite-input' });
    await expect(strict.commit(await writeTemp(path.join(link, 'photo.jpg'), 'evil'), path.join(link, 'photo.jpg'))).rejects.toBeInstanceOf(HushError);
    expect(await readFile(input, 'utf8')).toBe('original');
  });

  it('skips a file whose output exists when asked (resume)', async () => {
    await writeFile(path.join(dir, 'take.wav'), 'done before');
    const planner = new OutputPlanner([], { overwrite: false, skipExisting: true });
    expect(await planner.claim(dir, 'take', '.wav')).toMatchObject({ kind: 'skip', path: path.join(dir, 'take.wav') });
    expect(await planner.claim(dir, 'other', '.wav')).toMatchObject({ kind: 'target' });
  });

  it('does not clobber a file that appeared between claim and commit', async () => {
    const planner = new OutputPlanner([], { overwrite: false, skipExisting: false });
    const claim = await planner.claim(dir, 'photo', '.png');
    await writeFile(claim.path, 'someone else wrote this meanwhile');
    const final = await planner.commit(await writeTemp(claim.path, 'ours'), claim.path);
    expect(final).toBe(path.join(dir, 'photo-1.png'));
    expect(await readFile(claim.path, 'utf8')).toBe('someone else wrote this meanwhile');
    expect(await readFile(final, 'utf8')).toBe('ours');
  });
});
