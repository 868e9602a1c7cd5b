// The renderer can only name files the user granted: forged ids, `..` segments, relative paths and
// symlinks that escape a granted folder (or replace a granted file later) are all refused.
import { copyFile, mkdir, mkdtemp, realpath, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGrantablePath, FileRegistry } from '../../main/ipc/file-registry.ts';
import { IpcFailure } from '../../main/ipc/ipc-failure.ts';

const data = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const photo = path.join(data, 'images/eval/Set12/01.png');
const photo2 = path.join(data, 'images/eval/Set12/02.png');

let tmp: string;
let granted: string; // a folder the user drops
let outside: string; // a folder the user never chose
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hush-registry-'));
  granted = path.join(tmp, 'dropped');
  outside = path.join(tmp, 'private');
  await mkdir(path.join(granted, 'nested'), { recursive: true });
  await mkdir(outside);
  await copyFile(photo, path.join(granted, 'a.png'));
  await copyFile(photo2, path.join(granted, 'nested', 'b.png'));
  await writeFile(path.join(granted, 'notes.txt'), 'not media');
  await writeFile(path.join(granted, '.hidden.png'), 'x');
  await copyFile(photo, path.join(outside, 'secret.png'));
  await symlink(path.join(outside, 'secret.png'), path.join(granted, 'escape.png'));
  await symlink(outside, path.join(granted, 'escape-dir'));
  await symlink(path.join(granted, 'a.png'), path.join(granted, 'inside-link.png'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const failure = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IpcFailure);
    return (err as IpcFailure).code;
  }
  throw new Error('expected a failure');
};

describe('FileRegistry', () => {
  it('grants real files by opaque ids and resolves them to their real path', async () => {
    const r = new FileRegistry();
    const { added, rejected } = await r.addPaths([photo], 'dialog');
    expect(rejected).toEqual([]);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ name: '01.png', kind: 'image', ext: 'png', displayPath: photo });
    expect(added[0].id).toMatch(/^f_[A-Za-z0-9_-]{16}$/);
    expect(added[0].id).not.toContain('01');
    // realpath: ../shared may itself be a link (as on some CI checkouts).
    expect((await r.resolveInput(added[0].id)).realPath).toBe(await realpath(photo));
    expect(r.list()).toEqual(added);
  });

  it('refuses ids it never issued, and removed ones', async () => {
    const r = new FileRegistry();
    const { added } = await r.addPaths([photo], 'drop');
    for (const forged of ['f_AAAAAAAAAAAAAAAA', added[0].id + 'x', photo, '../01.png', 'o_' + added[0].id.slice(2), '']) {
      expect(await failure(r.resolveInput(forged))).toBe('unknown-file');
    }
    r.remove([added[0].id]);
    expect(await failure(r.resolveInput(added[0].id))).toBe('unknown-file');
  });

  it('refuses relative paths, `..` segments and NUL bytes before touching the disk', async () => {
    expect(checkGrantablePath('photo.png')).toMatch(/not absolute/);
    expect(checkGrantablePath(`${granted}/../private/secret.png`)).toMatch(/\.\./);
    expect(checkGrantablePath(`${granted}\\..\\private\\secret.png`)).toMatch(/\.\./);
    expect(checkGrantablePath(`${photo}\0.png`)).toMatch(/NUL/);
    const r = new FileRegistry();
    const res = await r.addPaths([`${granted}/../private/secret.png`, 'a.png', `${granted}/a.png\0`], 'drop');
    expect(res.added).toEqual([]);
    expect(res.rejected).toHaveLength(3);
  });

  it('walks a dropped folder for media, skipping hidden files, other files and links that leave it', async () => {
    const r = new FileRegistry();
    const { added, rejected } = await r.addPaths([granted], 'drop');
    expect(added.map((f) => f.name).sort()).toEqual(['a.png', 'b.png']);
    // inside-link.png points at a.png: the same real file is listed once.
    expect(rejected).toEqual(
      expect.arrayContaining([
        { name: 'escape.png', reason: 'link points outside the folder' },
        { name: 'escape-dir', reason: 'link points outside the folder' },
        { name: 'inside-link.png', reason: 'already in the list' },
      ]),
    );
    expect(added.some((f) => f.displayPath.includes('private'))).toBe(false);
    for (const f of added) expect((await r.resolveInput(f.id)).realPath.startsWith(granted)).toBe(true);
  });

  it('refuses a granted file that was swapped for a symlink afterwards', async () => {
    const victim = path.join(tmp, 'swap.png');
    await copyFile(photo, victim);
    const r = new FileRegistry();
    const { added } = await r.addPaths([victim], 'drop');
    await unlink(victim);
    await symlink(path.join(outside, 'secret.png'), victim);
    expect(await failure(r.resolveInput(added[0].id))).toBe('forbidden-path');
  });

  it('refuses unsupported and empty files with a reason', async () => {
    const empty = path.join(tmp, 'empty.wav');
    await writeFile(empty, '');
    const r = new FileRegistry();
    const res = await r.addPaths([path.join(granted, 'notes.txt'), empty, path.join(tmp, 'missing.png')], 'dialog');
    expect(res.added).toEqual([]);
    expect(res.rejected.map((x) => x.reason)).toEqual(['.txt files are not supported', 'the file is empty', 'file not found or not readable']);
  });

  it('grants output folders by id, and records outputs only inside them', async () => {
    const r = new FileRegistry();
    const out = path.join(tmp, 'out');
    await mkdir(out);
    const folder = await r.grantOutputFolder(out);
    expect(folder.id).toMatch(/^d_/);
    expect(await r.resolveOutputFolder(folder.id)).toBe(out);
    expect(await failure(r.resolveOutputFolder('d_AAAAAAAAAAAAAAAA'))).toBe('unknown-file');
    expect(await failure(r.grantOutputFolder(`${out}/../private`))).toBe('forbidden-path');
    const id = r.registerOutput(path.join(out, 'a-denoised.png'));
    expect(id).toMatch(/^o_/);
    expect(await r.resolveRevealable(id)).toBe(path.join(out, 'a-denoised.png'));
    expect(() => r.registerOutput(path.join(outside, 'secret.png'))).toThrow(IpcFailure);
    expect(() => r.registerOutput(path.join(out, '..', 'private', 'x.png'))).toThrow(IpcFailure);
  });

  it('refuses a granted output folder that became a link to somewhere else', async () => {
    const r = new FileRegistry();
    const out = path.join(tmp, 'out2');
    await mkdir(out);
    const folder = await r.grantOutputFolder(out);
    await rm(out, { recursive: true });
    await symlink(outside, out);
    expect(await failure(r.resolveOutputFolder(folder.id))).toBe('forbidden-path');
  });
});
