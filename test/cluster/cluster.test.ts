// The distributed guarantees of issue 13, on a real redis-server and real `hush` processes:
// two workers (then replacements) take a batch submitted with `--wait`; a worker is SIGKILLed while
// it writes a recording (its hidden partial file exists), Redis is SIGKILLed and restarted
// mid-batch, and another recording kills its worker on every attempt until it fails with the
// reason. Then: every output written exactly once (no partial, no `-1`, no working folder left),
// byte-equal to a local `hush denoise` of the same files, a bad input failed with the same line as
// `hush denoise`, originals untouched, `retry-failed` + a second submit finish the batch without
// duplicating a job.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/main.ts';
import { STAGING_PREFIX } from '../../main/cluster/outputs.ts';
import { keys, PREFIX } from '../../main/cluster/schema.ts';
import { PARTIAL_MARK } from '../../main/engine/jobs/output-naming.ts';
import { silentWav } from '../reliability/bad-input-fixtures.ts';
import { startRedis, type RedisServer } from './redis-server.ts';

const CBSD68 = path.resolve('../shared/data/images/eval/CBSD68');
const QUEUE = 'hush-test';
/** Seconds without a lock renewal before a dead worker's job is taken over (short for the test). */
const STALLED_AFTER = 3;

/** `seconds` of 16 kHz mono noise + tone: long enough to be killed while it is written. */
function longWav(seconds: number, seed: number): Buffer {
  const n = seconds * 16000;
  const b = silentWav(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    b.writeInt16LE(Math.round(6000 * Math.sin(i * 0.07) + 1500 * (s / 2 ** 32 - 0.5)), 44 + 2 * i);
  }
  return b;
}

interface Proc {
  readonly proc: ChildProcess;
  readonly pid: number;
  out: string;
  err: string;
  readonly exit: Promise<number | null>;
}

function hush(args: string[]): Proc {
  const proc = spawn(process.execPath, ['bin/hush.mjs', ...args], {
    cwd: process.cwd(),
    env: { ...process.env, HUSH_WORKERS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: Proc = {
    proc,
    pid: proc.pid!,
    out: '',
    err: '',
    exit: new Promise((resolve) => proc.on('close', (code) => resolve(code))),
  };
  proc.stdout!.on('data', (d: Buffer) => (p.out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (p.err += d.toString()));
  return p;
}

const sha = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let redis: RedisServer;
let dir = '';
let inDir = '';
let outDir = '';
let localDir = '';
const workers: Proc[] = [];
const originals = new Map<string, string>();

beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(path.join(tmpdir(), 'hush-cluster-'));
  inDir = path.join(dir, 'in');
  outDir = path.join(dir, 'out');
  localDir = path.join(dir, 'local');
  await mkdir(inDir);
  const photos = (await readdir(CBSD68)).filter((n) => n.endsWith('.png')).sort().slice(0, 4);
  for (const [i, name] of photos.entries()) {
    await sharp(path.join(CBSD68, name)).extract({ left: 40 * i, top: 30, width: 96, height: 72 }).png().toFile(path.join(inDir, `photo-${i + 1}.png`));
  }
  await writeFile(path.join(inDir, 'killed once.wav'), longWav(90, 7));
  await writeFile(path.join(inDir, 'kills every time.wav'), longWav(90, 11));
  await writeFile(path.join(inDir, 'not a photo.jpg'), 'this is text, not a JPEG\n');
  for (const name of await readdir(inDir)) {
    const p = path.join(inDir, name);
    await chmod(p, 0o444);
    originals.set(p, `${await sha(p)} ${(await stat(p)).mtimeMs}`);
  }
}, 60_000);

afterAll(async () => {
  for (const w of workers) w.proc.kill('SIGKILL');
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('hush submit / worker on Redis', () => {
  it('refuses a bad option at submit time with the message hush denoise gives, before anything is queued', async () => {
    const run = async (argv: string[]): Promise<{ code: number; err: string }> => {
      let err = '';
      const stream = { write: (s: string) => ((err += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
      const code = await main(argv, { stdout: stream, stderr: stream });
      return { code, err: err.split('\n')[0] };
    };
    const local = await run(['denoise', inDir, '--out', outDir, '--sigma', '300']);
    const queued = await run(['submit', inDir, '--out', outDir, '--sigma', '300', '--redis', redis.url, '--queue', QUEUE]);
    expect(local.code).toBe(2);
    expect(queued).toEqual(local);
    const r = new Redis(redis.url);
    expect(await r.keys(`${PREFIX}:${QUEUE}:*`)).toEqual([]);
    r.disconnect();
  });

  it('survives a killed worker, a restarted Redis and a file that kills every worker; outputs once, equal to hush denoise', async () => {
    const workerArgs = ['worker', '--redis', redis.url, '--queue', QUEUE, '--stalled-after', String(STALLED_AFTER)];
    workers.push(hush(workerArgs), hush(workerArgs));
    const submitArgs = ['submit', inDir, '--out', outDir, '--redis', redis.url, '--queue', QUEUE, '--attempts', '2'];
    const submit = hush([...submitArgs, '--wait']);

    // Watch the queue; kill the worker of a recording while its partial output exists.
    const queue = new Queue(QUEUE, { prefix: PREFIX, connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null } });
    queue.on('error', () => {});
    const wantKills = new Map([['killed once.wav', 1], ['kills every time.wav', 2]]);
    const kills: string[] = [];
    const seenStaging = new Set<string>();
    const killedWorkers = new Set<string>();
    let redisRestarted = false;
    const deadline = Date.now() + 90_000;
    let code: number | null | undefined;
    void submit.exit.then((c) => (code = c));
    while (code === undefined && Date.now() < deadline) {
      let active;
      try {
        active = await queue.getActive();
      } catch {
        await sleep(50);
        continue;
      }
      for (const job of active) {
        const name = path.basename((job.data as { input: string }).input);
        const left = wantKills.get(name) ?? 0;
        if (left === 0 || !job.processedBy || killedWorkers.has(job.processedBy)) continue;
        const staging = (await readdir(outDir).catch(() => [] as string[])).filter((n) => n.startsWith(`${STAGING_PREFIX}${job.id}-`) && !seenStaging.has(n));
        for (const s of staging) {
          const partial = (await readdir(path.join(outDir, s)).catch(() => [] as string[])).find((n) => n.includes(PARTIAL_MARK));
          if (!partial) continue;
          const pid = Number(job.processedBy.split(':').pop());
          const victim = workers.find((w) => w.pid === pid);
          if (!victim) continue;
          victim.proc.kill('SIGKILL');
          await victim.exit;
          seenStaging.add(s);
          killedWorkers.add(job.processedBy);
          wantKills.set(name, left - 1);
          kills.push(`SIGKILL worker ${job.processedBy} while it wrote ${partial} for "${name}"`);
          workers.push(hush(workerArgs));
          if (!redisRestarted) {
            redisRestarted = true;
            await redis.restart(200);
            kills.push('redis-server SIGKILLed and restarted after 0.2 s');
          }
        }
      }
      await sleep(25);
    }
    await queue.close();
    console.log(`first submit --wait: ${((Date.now() - deadline + 90_000) / 1000).toFixed(1)} s`);
    console.log(`${kills.join('\n')}\nsubmit --wait exited ${code}:\n${submit.out}${submit.err}`);
    expect(kills.filter((k) => k.startsWith('SIGKILL'))).toHaveLength(3);
    expect(redisRestarted).toBe(true);
    expect(code).toBe(1);
    expect(submit.err).toMatch(/lost the connection to Redis; reconnecting/);
    expect(submit.err).toContain('kills every time.wav: the worker processing this file stopped 2 times (killed, crashed or cut off from Redis) [engine-crashed]');
    expect(submit.out).toMatch(/5 done, 2 failed of 7 in the batch/);

    // The same batch again after retry-failed: no new jobs, the recording now completes.
    const t1 = performance.now();
    const retry = hush(['retry-failed', '--redis', redis.url, '--queue', QUEUE]);
    expect(await retry.exit).toBe(0);
    expect(retry.out).toContain('2 failed jobs put back in the queue');
    const again = hush([...submitArgs, '--wait', '--json']);
    const againCode = await again.exit;
    console.log(`retry + second submit --wait: ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    expect(againCode, again.err).toBe(1);
    const summary = JSON.parse(again.out) as { batch: string; total: number; done: number; failed: number; failures: { input: string; code: string }[] };
    expect(summary).toMatchObject({ total: 7, done: 6, failed: 1 });
    expect(summary.failures).toEqual([expect.objectContaining({ input: path.join(inDir, 'not a photo.jpg'), code: 'unsupported-format' })]);
    const r = new Redis(redis.url);
    expect(await r.scard(keys(QUEUE).members(summary.batch))).toBe(7);
    const jobKeys = (await r.keys(`${PREFIX}:${QUEUE}:j*`)).filter((k) => /:j[0-9a-f]{32}$/.test(k));
    expect(jobKeys).toHaveLength(7);
    r.disconnect();

    // Exactly the outputs, once each: no `-1` copy, no partial file, no attempt folder left.
    const names = ['killed once.wav', 'kills every time.wav', 'photo-1.png', 'photo-2.png', 'photo-3.png', 'photo-4.png'];
    expect((await readdir(outDir)).sort()).toEqual(names.sort());

    // Byte-equal to a local `hush denoise` of the same files and options; the bad input fails alike.
    const local = hush(['denoise', inDir, '--out', localDir]);
    expect(await local.exit, local.err).toBe(1);
    for (const n of names) expect(await sha(path.join(outDir, n)), n).toBe(await sha(path.join(localDir, n)));
    const localFailure = local.err.split('\n').find((l) => l.startsWith('FAILED'));
    expect(localFailure).toContain('[unsupported-format]');
    expect(submit.err.split('\n')).toContain(localFailure);

    // Originals never written.
    for (const [p, before] of originals) expect(`${await sha(p)} ${(await stat(p)).mtimeMs}`).toBe(before);

    // Workers print one line per job, and stop cleanly on SIGTERM.
    const alive = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
    expect(alive.length).toBeGreaterThan(0);
    for (const w of alive) w.proc.kill('SIGTERM');
    for (const w of alive) expect(await w.exit, w.err).toBe(0);
    const lines = workers.flatMap((w) => w.out.split('\n').filter((l) => l.startsWith('done ')));
    expect(lines.filter((l) => l.includes('killed once.wav'))).toHaveLength(1);
  }, 150_000);
});
