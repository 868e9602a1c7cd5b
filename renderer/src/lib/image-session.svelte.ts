// The selected photo: full-size before/after canvases that fast previews of the visible region are
// composited into, followed by the whole denoised image (stale answers dropped: denoise-session).
import { MAX_PREVIEW_SIDE, type FullPreview, type HushApi, type Region, type Strength, type Thumbnail } from '../../../main/ipc/contract.ts';
import { DenoiseSession, type Commit } from './denoise-session.svelte.ts';
import { loadImage, makeCanvas, paintDifference } from './media.ts';
import type { Rect } from './viewport.svelte.ts';

/** Side of the fast preview crop: small enough to come back within a fraction of a second. */
export const PREVIEW_SIDE = 384;

/** Width of the soft edge a crop gets when pasted over pixels denoised at another strength. */
export const FEATHER = 24;

/**
 * Draw `img` into `r` of `dest` with its inner edges faded out over `feather` px (edges on the
 * image border stay hard: there is nothing there to blend with).
 */
export function pasteFeathered(dest: HTMLCanvasElement, img: CanvasImageSource, r: Region, feather: number, width: number, height: number): void {
  const ctx = dest.getContext('2d');
  if (!ctx) return;
  const f = Math.min(feather, Math.floor(r.width / 4), Math.floor(r.height / 4));
  if (f <= 0) {
    ctx.drawImage(img, r.left, r.top, r.width, r.height);
    return;
  }
  const tmp = makeCanvas(r.width, r.height);
  const t = tmp.getContext('2d');
  if (!t) return;
  t.drawImage(img, 0, 0, r.width, r.height);
  t.globalCompositeOperation = 'destination-in';
  const fade = (x0: number, y0: number, x1: number, y1: number): void => {
    const g = t.createLinearGradient(x0, y0, x1, y1);
    g.addColorStop(0, 'rgba(0,0,0,0)');
    g.addColorStop(Math.min(1, f / Math.hypot(x1 - x0, y1 - y0)), 'rgba(0,0,0,1)');
    g.addColorStop(1, 'rgba(0,0,0,1)');
    t.fillStyle = g;
    t.fillRect(0, 0, r.width, r.height);
  };
  if (r.left > 0) fade(0, 0, r.width, 0);
  if (r.left + r.width < width) fade(r.width, 0, 0, 0);
  if (r.top > 0) fade(0, 0, 0, r.height);
  if (r.top + r.height < height) fade(0, r.height, 0, 0);
  ctx.drawImage(tmp, r.left, r.top);
}

type RegionRequest = { readonly strength: Strength; readonly region: Region };

export class ImageSession extends DenoiseSession<RegionRequest> {
  readonly width: number;
  readonly height: number;
  readonly before: HTMLCanvasElement;
  readonly after: HTMLCanvasElement;
  private readonly noiseCanvas: HTMLCanvasElement;
  private noiseVersion = -1;
  private noiseGain = 0;

  /** Bumped whenever a canvas changes, so views redraw. */
  version = $state(0);
  /** Some denoised pixels exist (a preview crop or the full image). */
  hasAfter = $state(false);
  /** Some full image (at any strength) is in `after`, so it has no transparent holes. */
  everFull = $state(false);
  /** σ actually applied by the latest result (the estimate when the target is auto). */
  appliedSigma = $state<number | null>(null);

  constructor(api: HushApi, fileId: string, thumb: Thumbnail, thumbImage: HTMLImageElement | null) {
    super(api, fileId);
    this.width = thumb.sourceWidth;
    this.height = thumb.sourceHeight;
    this.before = makeCanvas(this.width, this.height);
    this.after = makeCanvas(this.width, this.height);
    this.noiseCanvas = makeCanvas(1, 1);
    // CPU-backed: the removed-noise view reads these pixels back.
    const bctx = this.before.getContext('2d', { willReadFrequently: true });
    this.after.getContext('2d', { willReadFrequently: true });
    // "Before" starts as the thumbnail scaled up; "after" stays transparent where nothing was
    // denoised yet, so the view can show honestly which part is processed.
    if (thumbImage) bctx?.drawImage(thumbImage, 0, 0, this.width, this.height);
  }

  /**
   * A photo within 1.5× the crop: a crop would cost nearly as much as the whole, which would then be
   * computed again. Its preview is the whole photo, and counts as the full result.
   */
  static isSmall(width: number, height: number): boolean {
    const limit = Math.min(PREVIEW_SIDE * 1.5, MAX_PREVIEW_SIDE);
    return width <= limit && height <= limit;
  }

  /** Clip the visible rectangle to a preview-sized crop around its centre (a small photo: all of it). */
  static previewRegion(visible: Rect, width: number, height: number): Region {
    if (ImageSession.isSmall(width, height)) return { left: 0, top: 0, width, height };
    const side = Math.min(PREVIEW_SIDE, MAX_PREVIEW_SIDE);
    const w = Math.max(1, Math.min(side, visible.width || width, width));
    const h = Math.max(1, Math.min(side, visible.height || height, height));
    const cx = visible.width ? visible.x + visible.width / 2 : width / 2;
    const cy = visible.height ? visible.y + visible.height / 2 : height / 2;
    const left = Math.max(0, Math.min(width - w, Math.round(cx - w / 2)));
    const top = Math.max(0, Math.min(height - h, Math.round(cy - h / 2)));
    return { left, top, width: Math.round(w), height: Math.round(h) };
  }

  /** The strength the user is on now: new previews and the full image follow it. */
  setTarget(strength: Strength, visible: Rect, opts: { full: boolean }): void {
    this.retarget(strength, opts.full, () => this.pushPreview(strength, ImageSession.previewRegion(visible, this.width, this.height)));
  }

  /** Ask for the visible region again (after a pan/zoom), at the current strength. */
  refreshVisible(visible: Rect): void {
    if (this.fullDone) return;
    const region = ImageSession.previewRegion(visible, this.width, this.height);
    // The same crop at the same strength is already there (or on its way).
    if (this.previewKey(this.target, region) === this.lastPreviewKey) return;
    this.pushPreview(this.target, region);
  }

  protected override previewAsked(strength: Strength): boolean {
    return this.lastPreviewKey.startsWith(`${strength}|`);
  }

  private lastPreviewKey = '';
  private previewKey(strength: Strength, r: Region): string {
    return `${strength}|${r.left},${r.top},${r.width},${r.height}`;
  }
  private pushPreview(strength: Strength, region: Region): void {
    this.lastPreviewKey = this.previewKey(strength, region);
    this.pump.push({ strength, region });
  }

  /**
   * Start the whole image without the debounce, e.g. when the file is first shown — but only once the
   * first preview is back, so the engine answers the quick crop first.
   */
  startFull(strength: Strength): void {
    this.target = strength;
    this.fullLater.cancel();
    void this.pump.idle().then(() => {
      if (!this.disposed && this.target === strength && !this.fullDone) void this.runFull(strength);
    });
  }

  protected async fetchPreview({ strength, region }: RegionRequest, current: () => boolean): Promise<Commit> {
    const res = await this.api.previewImage({ fileId: this.fileId, region, sigma: strength });
    if (!current()) return null;
    const [b, a] = await Promise.all([loadImage(res.before), loadImage(res.after)]);
    return () => {
      const r = res.region;
      const whole = r.left === 0 && r.top === 0 && r.width === this.width && r.height === this.height;
      this.before.getContext('2d')?.drawImage(b, r.left, r.top, r.width, r.height);
      // Over pixels of another strength, fade the crop in at its edges so no seam shows.
      pasteFeathered(this.after, a, r, this.hasAfter && !whole ? FEATHER : 0, this.width, this.height);
      this.appliedSigma = res.sigma;
      this.lastPreviewMs = res.ms;
      this.hasAfter = true;
      if (whole) {
        this.everFull = true;
        // The whole photo at the strength the user is on: nothing left for a full pass to add.
        if (strength === this.target) {
          this.fullDone = true;
          this.lastFullMs = res.ms;
          this.lastFullCached = false;
          this.fullLater.cancel();
        }
      }
      this.version++;
    };
  }

  protected async fetchFull(res: FullPreview): Promise<Commit> {
    if (res.kind !== 'image') return null;
    const [b, a] = await Promise.all([loadImage(res.before), loadImage(res.after)]);
    return () => {
      const bc = this.before.getContext('2d');
      const ac = this.after.getContext('2d');
      bc?.clearRect(0, 0, this.width, this.height);
      ac?.clearRect(0, 0, this.width, this.height);
      bc?.drawImage(b, 0, 0, this.width, this.height);
      ac?.drawImage(a, 0, 0, this.width, this.height);
      this.appliedSigma = res.sigma;
      this.hasAfter = true;
      this.everFull = true;
      this.version++;
    };
  }

  /** A sharper "before" placeholder (a bigger thumbnail) until real pixels arrive. */
  setPlaceholder(img: HTMLImageElement): void {
    if (this.hasAfter || this.disposed) return;
    this.before.getContext('2d')?.drawImage(img, 0, 0, this.width, this.height);
    this.version++;
  }

  /** The removed noise (before − after), magnified `gain` times around mid-grey. */
  noise(gain: number): HTMLCanvasElement {
    if (this.noiseVersion !== this.version || this.noiseGain !== gain) {
      paintDifference(this.before, this.after, this.noiseCanvas, gain);
      this.noiseVersion = this.version;
      this.noiseGain = gain;
    }
    return this.noiseCanvas;
  }
}
