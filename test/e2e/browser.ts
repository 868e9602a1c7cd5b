// Debian's Chromium driven by playwright-core (never a downloaded browser), and the real web bridge
// started as a child `node` process so killing it really stops the engine with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.HUSH_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set HUSH_CHROMIUM.`);
  // playwright gives the browser a fresh temporary profile of its own.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // Let the A/B player start without a real user gesture in headless mode.
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export interface Bridge {
  url: string;
  child: ChildProcess;
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * Start `npm run dev:web`'s program directly with node (no npm wrapper, so the kill reaches it) and
 * wait for the URL with its token on stdout.
 */
export async function startBridge(args: string[], env: NodeJS.ProcessEnv, root: string, timeoutMs = 120_000): Promise<Bridge> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const log = (): string => out;
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web bridge did not print its URL within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = (): void => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web bridge exited (${code}) before it was ready:\n${out}`));
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { url, child, log, stop };
}
