// A real redis-server for the cluster tests and bench: a free loopback port, a temp folder for its
// append-only file, started and stopped (or killed and restarted on the same data) by the caller.
// Persistence as the README recommends: appendonly yes + appendfsync always, so a write Redis
// acknowledged survives even a SIGKILL of the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** SIGKILL the server (no shutdown save) and start it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** Bytes of memory Redis uses (INFO memory used_memory). */
  usedMemory(): Promise<number>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server at ${url} did not answer within ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 50));
    } finally {
      r.disconnect();
    }
  }
}

export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hush-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    proc = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--appendonly', 'yes', '--appendfsync', 'always', '--save', '',
      '--maxmemory-policy', 'noeviction', '--protected-mode', 'yes',
    ], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitForPing(url, 10_000);
  };
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(signal);
    });
  };
  await launch();
  return {
    url,
    port,
    dir,
    async restart(downMs = 300) {
      await kill('SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      await kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    async usedMemory() {
      const r = new Redis(url);
      try {
        const info = await r.info('memory');
        return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
      } finally {
        r.disconnect();
      }
    },
  };
}
