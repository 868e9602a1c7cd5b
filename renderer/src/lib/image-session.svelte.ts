// The selected photo: full-size before/after canvases that fast previews of the visible region are
// composited into, followed by the whole denoised image (stale answers dropped: denoise-session).
import { MAX_PREVIEW_SIDE, type FullPreview, type HushApi, type Region, type Strength, type Thumbnail } from '../../../main/ipc/contract.ts';
import { DenoiseSession, type Commit } from './denoise-session.svelte.ts';
import { loadImage, makeCanvas, paintDifference } from './media.ts';
import type { Rect } from './viewport.svelte.ts';

/** Side of the fast preview crop: small enough to come back within a fraction of a second. */
export const PREVIEW_SIDE = 384;

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

  /** Clip the visible rectangle to a preview-sized crop around its centre. */
  static previewRegion(visible: Rect, width: number, height: number): Region {
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
      this.before.getContext('2d')?.drawImage(b, r.left, r.top, r.width, r.height);
      this.after.getContext('2d')?.drawImage(a, r.left, r.top, r.width, r.height);
      this.appliedSigma = res.sigma;
      this.lastPreviewMs = res.ms;
      this.hasAfter = true;
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
