// The photo session against a FakeApi (happy-dom; images are not decoded there, so media.ts's
// loadImage is replaced by a stand-in image). Issue 12 items 1 and 2.
import { describe, expect, it, vi } from 'vitest';
import type { ImagePreview, Region, Thumbnail } from '../../main/ipc/contract.ts';
import { FakeApi } from './fake-api.ts';

vi.mock('../../renderer/src/lib/media.ts', async (orig) => ({
  ...(await orig<typeof import('../../renderer/src/lib/media.ts')>()),
  loadImage: async () => document.createElement('img'),
}));
const { ImageSession } = await import('../../renderer/src/lib/image-session.svelte.ts');

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const thumb = (w: number, h: number): Thumbnail => ({ fileId: 'f1', dataUrl: PNG, width: 64, height: 64, sourceWidth: w, sourceHeight: h, format: 'png', bitDepth: 8, hasAlpha: false });
const visible = (w: number, h: number) => ({ x: 0, y: 0, width: w, height: h });

function fake(): FakeApi {
  const f = new FakeApi();
  f.handlers.previewImage = (req) => {
    const region = req.region as Region;
    const sigma = typeof req.sigma === 'number' ? req.sigma : 12;
    return { fileId: 'f1', region, before: PNG, after: PNG, sigma, ms: 100 } satisfies ImagePreview;
  };
  f.handlers.previewFull = (req) => ({ kind: 'image', fileId: 'f1', width: 4000, height: 3000, before: PNG, after: PNG, sigma: typeof req.strength === 'number' ? req.strength : 12, ms: 900, cached: false });
  return f;
}
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('ImageSession while the slider is dragged', () => {
  it('shows each finished preview although the thumb has moved on', async () => {
    const f = fake();
    f.hold('previewImage');
    const s = new ImageSession(f.api, 'f1', thumb(4000, 3000), null);
    s.setTarget(10, visible(4000, 3000), { full: false });
    s.setTarget(20, visible(4000, 3000), { full: false });
    s.setTarget(30, visible(4000, 3000), { full: false });
    f.release('previewImage'); // σ 10 comes back while the user is on σ 30
    await settle();
    expect(s.appliedSigma).toBe(10);
    expect(s.hasAfter).toBe(true);
    f.release('previewImage'); // then the newest one
    await settle();
    expect(s.appliedSigma).toBe(30);
    expect(f.callsOf('previewImage').map(([r]) => (r as { sigma: unknown }).sigma)).toEqual([10, 30]);
    s.dispose();
  });

  it('never paints an older answer over a newer full image', async () => {
    const f = fake();
    f.hold('previewImage');
    const s = new ImageSession(f.api, 'f1', thumb(4000, 3000), null);
    s.setTarget(10, visible(4000, 3000), { full: false });
    s.startFull(10);
    await settle();
    expect(f.callsOf('previewFull')).toEqual([]); // the quick crop goes first
    f.unhold('previewImage');
    await settle();
    await s['pump'].idle();
    await settle();
    expect(s.fullDone).toBe(true);
    expect(s.appliedSigma).toBe(10);
    s.dispose();
  });

  it('releasing the thumb where the last drag preview was asked for does not ask again', async () => {
    const f = fake();
    f.hold('previewImage');
    const s = new ImageSession(f.api, 'f1', thumb(4000, 3000), null);
    s.setTarget(20, visible(4000, 3000), { full: false }); // drag
    s.setTarget(20, visible(4000, 3000), { full: true }); // release at the same σ
    f.unhold('previewImage');
    await settle();
    expect(f.callsOf('previewImage')).toHaveLength(1);
    s.dispose();
  });

  it('a photo within 1.5× the crop is computed once: its preview is the whole photo', async () => {
    const f = fake();
    const s = new ImageSession(f.api, 'f1', thumb(500, 400), null);
    s.setTarget(15, visible(500, 400), { full: false });
    s.startFull(15);
    await s['pump'].idle();
    await settle();
    expect(f.callsOf('previewImage').map(([r]) => (r as { region: Region }).region)).toEqual([{ left: 0, top: 0, width: 500, height: 400 }]);
    expect(s.fullDone).toBe(true);
    s.setTarget(15, visible(500, 400), { full: true });
    await new Promise((r) => setTimeout(r, 450)); // past the full pass's debounce
    expect(f.callsOf('previewFull')).toEqual([]);
    s.dispose();
  });
});
