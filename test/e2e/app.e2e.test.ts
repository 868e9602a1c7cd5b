// End to end: the built renderer in Debian's Chromium, talking to the real engine through the web
// bridge. Drops a noisy photo and a noisy recording, moves the sliders, checks that previews and the
// compare views change, exports the batch and measures the written files against the clean sources.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startBridge, type Bridge } from './browser.ts';
import { decodeRgb, makeInputs, psnr, readMono, siSdr, type Inputs } from './fixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'test-artifacts/screenshots');
const STEP = 240_000;

let tmp: string;
let outDir: string;
let inputs: Inputs;
let bridge: Bridge | undefined;
let browser: Browser | undefined;
let page: Page;
const sent: string[] = [];
const problems: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Mean and a checksum of a canvas (optionally only its left or right half), read in the page. */
async function canvasStats(testid: string, part: 'all' | 'left' | 'right' = 'all'): Promise<{ mean: number; sum: number; w: number; h: number }> {
  return page.evaluate(
    ([id, p]) => {
      const c = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`);
      if (!c || c.width === 0) return { mean: -1, sum: -1, w: 0, h: 0 };
      const ctx = c.getContext('2d');
      if (!ctx) return { mean: -1, sum: -1, w: 0, h: 0 };
      const x0 = p === 'right' ? Math.floor(c.width * 0.6) : 0;
      const x1 = p === 'left' ? Math.floor(c.width * 0.4) : c.width;
      const d = ctx.getImageData(x0, 0, x1 - x0, c.height).data;
      let s = 0;
      let h = 0;
      for (let i = 0; i < d.length; i += 4) {
        s += d[i] + d[i + 1] + d[i + 2];
        h = (Math.imul(h, 31) + d[i] * 7 + d[i + 1] * 3 + d[i + 2]) | 0;
      }
      return { mean: s / (d.length / 4) / 3, sum: h, w: c.width, h: c.height };
    },
    [testid, part] as const,
  );
}

/** High-frequency energy of a canvas region: noisy pixels have a lot, denoised ones much less. */
async function roughness(testid: string, part: 'left' | 'right' | 'all'): Promise<number> {
  return page.evaluate(
    ([id, p]) => {
      const c = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"]`);
      const ctx = c?.getContext('2d');
      if (!c || !ctx) return -1;
      const x0 = p === 'right' ? Math.floor(c.width * 0.6) : Math.floor(c.width * 0.05);
      const x1 = p === 'left' ? Math.floor(c.width * 0.4) : Math.floor(c.width * 0.95);
      const y0 = Math.floor(c.height * 0.25);
      const y1 = Math.floor(c.height * 0.75);
      const w = x1 - x0;
      const d = ctx.getImageData(x0, y0, w, y1 - y0).data;
      let acc = 0;
      let n = 0;
      for (let y = 0; y < y1 - y0; y++) {
        for (let x = 1; x < w; x++) {
          const i = (y * w + x) * 4;
          if (d[i + 3] === 0 || d[i - 1] === 0) continue;
          acc += Math.abs(d[i + 1] - d[i - 3]);
          n++;
        }
      }
      return n ? acc / n : -1;
    },
    [testid, part] as const,
  );
}

async function dropFiles(files: { path: string; type: string }[]): Promise<void> {
  const payload = await Promise.all(
    files.map(async (f) => ({ name: path.basename(f.path), type: f.type, b64: (await readFile(f.path)).toString('base64') })),
  );
  await page.evaluate((items) => {
    const dt = new DataTransfer();
    for (const it of items) {
      const bin = atob(it.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], it.name, { type: it.type }));
    }
    const target = document.querySelector('[data-testid="drop-zone"]') ?? document.body;
    target.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: dt }));
    target.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
    target.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, payload);
}

/** Drag a slider's thumb with the real mouse from one fraction of its track to another. */
async function dragSlider(testid: string, from: number, to: number, steps = 12): Promise<void> {
  const box = await page.getByTestId(testid).boundingBox();
  if (!box) throw new Error(`${testid} not visible`);
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * from, y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(box.x + box.width * (from + ((to - from) * i) / steps), y);
    await page.waitForTimeout(60);
  }
  await page.mouse.up();
}

const waitFor = (fn: () => Promise<boolean>, what: string, ms = STEP): Promise<void> =>
  expect.poll(fn, { timeout: ms, interval: 250, message: what }).toBe(true);

describe('Hush in Chromium against the real engine (web bridge)', () => {
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'hush-e2e-'));
    outDir = path.join(tmp, 'exports');
    await mkdir(outDir, { recursive: true });
    await rm(SHOTS, { recursive: true, force: true });
    await mkdir(SHOTS, { recursive: true });
    inputs = await makeInputs(path.join(tmp, 'inputs'));
    // The bridge serves dist/renderer: build it from the current sources.
    await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'error' });
    // What `npm run dev:web` runs, started with node directly so stopping the child stops the engine.
    bridge = await startBridge(
      ['--import', 'tsx', 'main/web-bridge/cli.ts', '--renderer', path.join(ROOT, 'dist/renderer')],
      { HUSH_WEB_OUTPUT_DIR: outDir, HUSH_WEB_DATA_DIR: path.join(tmp, 'settings') },
      ROOT,
    );
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1, colorScheme: 'light' });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // Every console error fails the test (the CSP no longer lists ws://[::1], which Chromium rejected).
      problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(typeof f.payload === 'string' ? f.payload.slice(0, 200) : '')));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await bridge?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('opens on the empty drop zone with the engine connected', async () => {
    await page.goto(bridge!.url);
    await page.getByTestId('drop-zone').waitFor({ timeout: 60_000 });
    // The engine process loads both models first; on a busy 2-core machine that can take a while.
    await expect
      .poll(() => page.getByTestId('engine-status').getAttribute('data-state'), { timeout: 300_000, interval: 500, message: 'engine ready' })
      .toMatch(/^(ready|busy)$/);
    await shot('01-empty-drop-zone');
  }, STEP);

  it('adds a dropped photo and recording to the queue with thumbnails and noise estimates', async () => {
    const notes = path.join(tmp, 'inputs', 'notes.txt');
    await writeFile(notes, 'not a photo');
    await dropFiles([
      { path: inputs.photo, type: 'image/png' },
      { path: inputs.wav, type: 'audio/wav' },
      { path: notes, type: 'text/plain' },
    ]);
    const items = page.getByTestId('queue-item');
    await expect.poll(() => items.count(), { timeout: 60_000 }).toBe(2);
    // The text file is refused with a message; the other two are in.
    await expect.poll(() => page.getByTestId('notice').allInnerTexts(), { timeout: 30_000 }).toEqual([expect.stringContaining('notes.txt')]);
    await page.locator('[data-testid="queue-item"][data-kind="image"] img').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="queue-item"][data-kind="audio"] svg path').first().waitFor({ timeout: 120_000 });
    await expect.poll(() => page.getByTestId('noise-estimate').count(), { timeout: STEP }).toBe(2);
    const est = await page.locator('[data-testid="queue-item"][data-kind="image"] [data-testid="noise-estimate"]').innerText();
    const sigma = Number(/([\d.]+)/.exec(est)?.[1]);
    // The photo carries σ=25 noise: the estimate should be in that neighbourhood.
    expect(sigma).toBeGreaterThan(12);
    expect(sigma).toBeLessThan(40);
  }, STEP);

  it('shows the photo denoised in the split view, and the slider drives a fast preview then the full image', async () => {
    await page.locator('[data-testid="queue-item"][data-kind="image"]').click();
    await waitFor(async () => (await page.getByTestId('image-status').innerText()).includes('Full image'), 'first full image');
    await page.waitForTimeout(300);
    // The same view with the divider at each end: all "before", then all "after".
    const divider = page.getByTestId('divider');
    await divider.focus();
    await page.keyboard.press('End');
    await page.waitForTimeout(150);
    const before = await roughness('compare-canvas', 'all');
    await page.keyboard.press('Home');
    await page.waitForTimeout(150);
    const after = await roughness('compare-canvas', 'all');
    expect(after).toBeLessThan(before * 0.7);
    for (let i = 0; i < 25; i++) await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(150);
    await shot('02-photo-split-view');

    const s0 = await canvasStats('compare-canvas', 'right');
    const s0Rough = await roughness('compare-canvas', 'right');
    const previewsBefore = sent.filter((m) => m.includes('preview:image')).length;
    const fullsBefore = sent.filter((m) => m.includes('preview:full')).length;
    // Drag from "auto" to a weak setting (σ ≈ 5): the result gets visibly noisier.
    await dragSlider('file-strength', 0.07, 0.2);
    await waitFor(async () => sent.filter((m) => m.includes('preview:image')).length > previewsBefore, 'a preview request while dragging', 30_000);
    await waitFor(async () => sent.filter((m) => m.includes('preview:full')).length > fullsBefore, 'the full image after release', 30_000);
    await waitFor(async () => (await page.getByTestId('image-status').innerText()).includes('Full image'), 'full image at the new strength');
    await page.waitForTimeout(300);
    const s1 = await canvasStats('compare-canvas', 'right');
    expect(s1.sum).not.toBe(s0.sum);
    // σ ≈ 5 removes less than auto (σ ≈ 25): the right half is rougher than before.
    const weak = await roughness('compare-canvas', 'right');
    expect(weak).toBeGreaterThan(s0Rough);
    // Keyboard: Home = auto again.
    await page.getByTestId('file-strength').focus();
    await page.keyboard.press('Home');
    await waitFor(async () => (await page.getByTestId('image-status').innerText()).includes('Full image'), 'full image back at auto');
  }, STEP * 2);

  it('compares side by side with synchronised zoom, and shows the removed noise', async () => {
    await page.getByTestId('mode-side').click();
    await page.getByTestId('compare-canvas-after').waitFor();
    await page.waitForTimeout(300);
    const b = await roughness('compare-canvas-before', 'all');
    const a = await roughness('compare-canvas-after', 'all');
    expect(a).toBeLessThan(b * 0.7);
    await shot('03-photo-side-by-side');

    await page.getByTestId('zoom-100').click();
    await expect.poll(() => page.getByTestId('zoom-level').innerText()).toBe('100 %');
    const box = await page.getByTestId('compare-canvas-before').boundingBox();
    if (!box) throw new Error('no canvas');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -400);
    await expect.poll(async () => Number((await page.getByTestId('zoom-level').innerText()).replace(/\D/g, ''))).toBeGreaterThan(400);
    // Pan by dragging the "before" pane: the "after" pane follows.
    const statsBeforePan = await canvasStats('compare-canvas-after');
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 60, { steps: 6 });
    await page.mouse.up();
    await page.waitForTimeout(300);
    const mb = await canvasStats('compare-canvas-before');
    const ma = await canvasStats('compare-canvas-after');
    expect(ma.sum).not.toBe(statsBeforePan.sum);
    // Both panes show the same region: their mean brightness matches closely.
    expect(Math.abs(mb.mean - ma.mean)).toBeLessThan(12);
    await shot('04-photo-zoomed-side-by-side');

    const beforeNoise = await canvasStats('compare-canvas-after');
    await page.getByTestId('show-noise').check({ force: true });
    await page.waitForTimeout(300);
    const noise = await canvasStats('compare-canvas-after');
    expect(noise.sum).not.toBe(beforeNoise.sum);
    // The difference image sits around mid-grey (a model's slight brightness bias is magnified ×4 too).
    expect(Math.abs(noise.mean - 128)).toBeLessThan(50);
    await page.keyboard.press('0');
    await page.waitForTimeout(200);
    await shot('05-photo-removed-noise');
    await page.getByTestId('show-noise').uncheck({ force: true });
    await page.getByTestId('mode-split').click();
  }, STEP);

  it('shows the recording before/after with waveforms and spectrograms, plays and switches A/B in place', async () => {
    await page.locator('[data-testid="queue-item"][data-kind="audio"]').click();
    await waitFor(async () => (await page.getByTestId('audio-status').innerText()).includes('Whole recording'), 'whole recording denoised');
    await page.waitForTimeout(300);
    const wb = await canvasStats('wave-before');
    const wa = await canvasStats('wave-after');
    expect(wa.sum).not.toBe(wb.sum);
    const sa = await canvasStats('spec-after');
    expect(sa.mean).toBeGreaterThan(0);

    await page.getByTestId('play-toggle').click();
    await page.waitForTimeout(900);
    const t1 = await page.getByTestId('audio-time').innerText();
    await page.keyboard.press('b');
    await expect.poll(() => page.getByTestId('listen-before').getAttribute('aria-checked')).toBe('true');
    const t2 = await page.getByTestId('audio-time').innerText();
    const secs = (t: string): number => {
      const m = /(\d+):(\d+\.\d)/.exec(t);
      return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
    };
    // Playback moved on and the A/B switch did not send it back to the start.
    expect(secs(t1)).toBeGreaterThan(0.3);
    expect(secs(t2)).toBeGreaterThanOrEqual(secs(t1));
    await page.keyboard.press('Space');

    // Loop a selection by dragging across the lanes.
    const lanes = await page.getByTestId('audio-lanes').boundingBox();
    if (!lanes) throw new Error('no lanes');
    await page.mouse.move(lanes.x + lanes.width * 0.3, lanes.y + 40);
    await page.mouse.down();
    await page.mouse.move(lanes.x + lanes.width * 0.45, lanes.y + 40, { steps: 5 });
    await page.mouse.move(lanes.x + lanes.width * 0.6, lanes.y + 40, { steps: 5 });
    await page.mouse.up();
    await page.getByTestId('clear-loop').waitFor();
    await page.getByTestId('show-noise').check({ force: true });
    await page.waitForTimeout(400);
    await shot('06-audio-before-after');

    const previews = sent.filter((m) => m.includes('preview:audio')).length;
    const waveAfter0 = await canvasStats('wave-after');
    await dragSlider('file-strength', 0.07, 0.3);
    await waitFor(async () => sent.filter((m) => m.includes('preview:audio')).length > previews, 'an audio excerpt preview while dragging', 30_000);
    await waitFor(async () => (await page.getByTestId('audio-status').innerText()).includes('Whole recording'), 'whole recording at the new strength');
    await page.waitForTimeout(300);
    const waveAfter1 = await canvasStats('wave-after');
    expect(waveAfter1.sum).not.toBe(waveAfter0.sum);
    await page.getByTestId('file-strength').focus();
    await page.keyboard.press('Home');
    await page.getByTestId('clear-loop').click();
    await page.getByTestId('show-noise').uncheck({ force: true });
    await waitFor(async () => (await page.getByTestId('audio-status').innerText()).includes('Whole recording'), 'back at auto');
  }, STEP * 2);

  it('shows the keyboard shortcuts overlay', async () => {
    await page.locator('body').click({ position: { x: 5, y: 300 } }).catch(() => undefined);
    await page.keyboard.press('?');
    await page.getByTestId('help-overlay').waitFor({ state: 'visible' });
    await shot('07-keyboard-shortcuts');
    await page.keyboard.press('Escape');
    await page.getByTestId('help-overlay').waitFor({ state: 'hidden' });
  }, STEP);

  it('exports the batch with progress and a summary, and the written files are cleaner than the inputs', async () => {
    await page.getByTestId('open-export').click();
    await page.getByTestId('export-dialog').waitFor({ state: 'visible' });
    await expect.poll(() => page.getByTestId('output-folder').innerText()).toContain(path.basename(outDir));
    await page.getByTestId('audio-depth').selectOption('pcm24');
    await shot('08-export-settings');
    await page.getByTestId('start-export').click();
    await page.getByText('Exporting…', { exact: true }).waitFor({ timeout: 10_000 }).catch(() => undefined);
    await shot('09-export-progress');
    await page.getByTestId('export-summary').waitFor({ timeout: STEP * 2 });
    await shot('10-export-summary');
    const statuses = await page.getByTestId('export-result').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(statuses).toEqual(['done', 'done']);
    await page.getByTestId('close-summary').click();

    const written = (await readdir(outDir)).filter((f) => !f.startsWith('.'));
    const photoOut = written.find((f) => f.startsWith('noisy photo σ25-denoised') && f.endsWith('.png'));
    const wavOut = written.find((f) => f.startsWith('noisy speech p287_003-denoised') && f.endsWith('.wav'));
    expect(photoOut, `written: ${written.join(', ')}`).toBeTruthy();
    expect(wavOut, `written: ${written.join(', ')}`).toBeTruthy();

    const out = await decodeRgb(path.join(outDir, photoOut!));
    const p = psnr(out, inputs.photoClean);
    const speech = await readMono(path.join(outDir, wavOut!));
    const s = siSdr(speech.samples, inputs.speechClean);
    console.log(`e2e quality: photo PSNR ${inputs.photoNoisyPsnr.toFixed(2)} → ${p.toFixed(2)} dB; speech SI-SDR ${inputs.speechNoisySiSdr.toFixed(2)} → ${s.toFixed(2)} dB`);
    expect(p).toBeGreaterThan(inputs.photoNoisyPsnr + 3);
    expect(s).toBeGreaterThan(inputs.speechNoisySiSdr);
    expect((await stat(path.join(outDir, wavOut!))).size).toBeGreaterThan(1000);
    // Originals untouched.
    expect((await decodeRgb(inputs.photo)).data.length).toBe(256 * 256 * 3);
  }, STEP * 3);

  it('looks right in dark mode and in a narrow window', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('[data-testid="queue-item"][data-kind="image"]').click();
    await waitFor(async () => (await page.getByTestId('image-status').innerText()).includes('Full image'), 'full image (dark)');
    await page.waitForTimeout(300);
    await shot('11-dark-photo-split');
    await page.setViewportSize({ width: 720, height: 900 });
    await page.waitForTimeout(400);
    await shot('12-narrow-window');
    await page.setViewportSize({ width: 1360, height: 860 });
    await page.emulateMedia({ colorScheme: 'light' });
  }, STEP);

  it('tells the user when the engine crashes, and carries on after the restart', async () => {
    // Kill the engine process under the bridge, as an out-of-memory kill would.
    const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(bridge!.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes('engine-process'));
    expect(children.length).toBe(1);
    process.kill(Number(children[0].trim().split(/\s+/)[0]), 'SIGKILL');
    await page.getByTestId('engine-banner').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('engine-status').getAttribute('data-state'), { timeout: 60_000 }).toMatch(/^(crashed|restarted)$/);
    // The next request brings a fresh engine up; the photo is denoised again.
    await page.locator('[data-testid="queue-item"][data-kind="audio"]').click();
    await page.locator('[data-testid="queue-item"][data-kind="image"]').click();
    await waitFor(async () => (await page.getByTestId('image-status').innerText()).includes('Full image'), 'full image after the restart');
    await expect.poll(() => page.getByTestId('engine-status').getAttribute('data-state'), { timeout: 120_000 }).toMatch(/^(ready|busy|restarted)$/);
    await shot('13-engine-restarted');
  }, STEP);

  it('raised no page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
