// Files dropped on the page in a browser: their bytes arrive in ordered chunks over the bridge and
// are written into a private temp folder (0700), each in its own sub-folder under its original name
// (so outputs are named after it). Only then is the file granted in the FileRegistry.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MAX_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES, type AddFilesResult } from '../ipc/contract.ts';
import type { HandlerMap } from '../ipc/dispatch.ts';
import type { FileRegistry } from '../ipc/file-registry.ts';
import { IpcFailure } from '../ipc/ipc-failure.ts';

/** A file name safe to create: no folders, no control characters, no leading dots, bounded length. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  let clean = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+/, '').trim();
  if (clean.length > 180) {
    const ext = path.extname(clean).slice(0, 12);
    clean = clean.slice(0, 180 - ext.length) + ext;
  }
  return clean || 'upload';
}

interface Upload {
  readonly file: string;
  readonly name: string;
  readonly size: number;
  readonly handle: FileHandle;
  received: number;
  lastActivity: number;
}

export interface UploadStoreOptions {
  /** Parent of the private folder (default: the OS temp folder). */
  readonly tempRoot?: string;
  /** Uploads open at once (an abandoned one is dropped after `idleMs`). */
  readonly maxOpen?: number;
  readonly idleMs?: number;
}

export class UploadStore {
  private dir: string | null = null;
  private readonly open = new Map<string, Upload>();
  private readonly maxOpen: number;
  private readonly idleMs: number;

  constructor(private readonly registry: FileRegistry, private readonly options: UploadStoreOptions = {}) {
    this.maxOpen = options.maxOpen ?? 16;
    this.idleMs = options.idleMs ?? 5 * 60_000;
  }

  /** The private folder, created on first use. */
  async root(): Promise<string> {
    this.dir ??= await mkdtemp(path.join(this.options.tempRoot ?? os.tmpdir(), 'hush-uploads-'));
    return this.dir;
  }

  async begin(name: string, size: number): Promise<string> {
    await this.dropIdle();
    if (this.open.size >= this.maxOpen) throw new IpcFailure('busy', 'Too many uploads at once; wait for some to finish.');
    if (size > MAX_UPLOAD_BYTES) throw new IpcFailure('too-large', `${name} is larger than ${MAX_UPLOAD_BYTES / 1024 ** 3} GiB.`);
    const id = `u_${randomBytes(12).toString('base64url')}`;
    const sub = path.join(await this.root(), randomBytes(8).toString('hex'));
    await mkdir(sub, { mode: 0o700 });
    const clean = safeFileName(name);
    const file = path.join(sub, clean);
    const handle = await open(file, 'wx', 0o600);
    this.open.set(id, { file, name: clean, size, handle, received: 0, lastActivity: Date.now() });
    return id;
  }

  async chunk(id: string, offset: number, base64: string): Promise<number> {
    const u = this.get(id);
    if (offset !== u.received) throw new IpcFailure('invalid-request', `Upload chunk out of order (expected offset ${u.received}, got ${offset}).`);
    const bytes = Buffer.from(base64, 'base64');
    if (bytes.length > UPLOAD_CHUNK_BYTES) throw new IpcFailure('invalid-request', 'Upload chunk too large.');
    if (u.received + bytes.length > u.size) {
      await this.abort(id);
      throw new IpcFailure('invalid-request', 'More bytes than announced; upload dropped.');
    }
    await u.handle.write(bytes, 0, bytes.length, u.received);
    u.received += bytes.length;
    u.lastActivity = Date.now();
    return u.received;
  }

  async end(id: string): Promise<AddFilesResult> {
    const u = this.get(id);
    this.open.delete(id);
    await u.handle.close();
    if (u.received !== u.size) {
      await rm(path.dirname(u.file), { recursive: true, force: true });
      throw new IpcFailure('invalid-request', `Upload of ${u.name} incomplete (${u.received} of ${u.size} bytes).`);
    }
    const result = await this.registry.addPaths([u.file], 'upload', [u.name]);
    if (result.added.length === 0) await rm(path.dirname(u.file), { recursive: true, force: true });
    return result;
  }

  async abort(id: string): Promise<void> {
    const u = this.open.get(id);
    if (!u) return;
    this.open.delete(id);
    await u.handle.close().catch(() => undefined);
    await rm(path.dirname(u.file), { recursive: true, force: true });
  }

  /** Close everything and delete the private folder. */
  async dispose(): Promise<void> {
    for (const id of [...this.open.keys()]) await this.abort(id);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  private get(id: string): Upload {
    const u = this.open.get(id);
    if (!u) throw new IpcFailure('invalid-request', 'Unknown or finished upload.');
    return u;
  }

  private async dropIdle(): Promise<void> {
    const now = Date.now();
    for (const [id, u] of this.open) if (now - u.lastActivity > this.idleMs) await this.abort(id);
  }

  handlers(): HandlerMap<'upload:begin' | 'upload:chunk' | 'upload:end' | 'upload:abort'> {
    return {
      'upload:begin': async ({ name, size }) => ({ uploadId: await this.begin(name, size) }),
      'upload:chunk': async ({ uploadId, offset, data }) => ({ received: await this.chunk(uploadId, offset, data) }),
      'upload:end': async ({ uploadId }) => this.end(uploadId),
      'upload:abort': async ({ uploadId }) => {
        await this.abort(uploadId);
        return null;
      },
    };
  }
}
