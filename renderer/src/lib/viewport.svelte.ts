// Zoom and pan shared by every pane of the compare view, so split and side-by-side stay in sync.

export const ZOOM_STEPS = [0.0625, 0.125, 0.25, 1 / 3, 0.5, 2 / 3, 1, 1.5, 2, 3, 4, 6, 8, 12, 16];
const MIN_ZOOM = 0.02;
const MAX_ZOOM = 32;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * `zoom` is device pixels per image pixel: 1 means 100 %, one image pixel per screen pixel, whatever
 * the display scaling. `cx`/`cy` is the image point at the centre of each pane.
 */
export class Viewport {
  zoom = $state(1);
  cx = $state(0);
  cy = $state(0);
  /** True while the view follows the pane size ("fit"); any zoom or pan leaves fit mode. */
  fit = $state(true);
  imageWidth = $state(0);
  imageHeight = $state(0);
  /** Size of one pane in CSS pixels. */
  paneWidth = $state(0);
  paneHeight = $state(0);
  dpr = $state(typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1);

  /** CSS pixels per image pixel. */
  get scale(): number {
    return this.zoom / this.dpr;
  }

  setImage(width: number, height: number): void {
    const changed = width !== this.imageWidth || height !== this.imageHeight;
    this.imageWidth = width;
    this.imageHeight = height;
    if (changed) this.toFit();
  }

  setPane(width: number, height: number, dpr: number): void {
    this.paneWidth = width;
    this.paneHeight = height;
    this.dpr = dpr;
    if (this.fit) this.toFit();
    else this.clamp();
  }

  fitZoom(): number {
    if (!this.imageWidth || !this.paneWidth) return 1;
    const s = Math.min(this.paneWidth / this.imageWidth, this.paneHeight / this.imageHeight) * 0.96;
    return Math.min(s * this.dpr, this.dpr * 4);
  }

  toFit(): void {
    this.zoom = this.fitZoom();
    this.cx = this.imageWidth / 2;
    this.cy = this.imageHeight / 2;
    this.fit = true;
  }

  /** Zoom to `z`, keeping the image point under the pane position (px, py in CSS px) still. */
  zoomTo(z: number, px = this.paneWidth / 2, py = this.paneHeight / 2): void {
    z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
    const before = this.toImage(px, py);
    this.zoom = z;
    const s = this.scale;
    this.cx = before.x - (px - this.paneWidth / 2) / s;
    this.cy = before.y - (py - this.paneHeight / 2) / s;
    this.fit = false;
    this.clamp();
  }

  zoomIn(px?: number, py?: number): void {
    const next = ZOOM_STEPS.find((s) => s > this.zoom * 1.001) ?? MAX_ZOOM;
    this.zoomTo(next, px, py);
  }

  zoomOut(px?: number, py?: number): void {
    const next = [...ZOOM_STEPS].reverse().find((s) => s < this.zoom * 0.999) ?? MIN_ZOOM;
    this.zoomTo(next, px, py);
  }

  /** Wheel zoom: smooth, proportional to the wheel delta. */
  wheel(deltaY: number, px: number, py: number): void {
    this.zoomTo(this.zoom * Math.exp(-deltaY * 0.0015), px, py);
  }

  panBy(dxCss: number, dyCss: number): void {
    this.cx -= dxCss / this.scale;
    this.cy -= dyCss / this.scale;
    this.fit = false;
    this.clamp();
  }

  /** Keep some of the image on screen. */
  clamp(): void {
    this.cx = Math.min(this.imageWidth, Math.max(0, this.cx));
    this.cy = Math.min(this.imageHeight, Math.max(0, this.cy));
  }

  toImage(px: number, py: number): { x: number; y: number } {
    const s = this.scale;
    return { x: this.cx + (px - this.paneWidth / 2) / s, y: this.cy + (py - this.paneHeight / 2) / s };
  }

  /** Image-space offset of the pane's top-left corner (CSS px → image px transform origin). */
  origin(): { x: number; y: number } {
    return this.toImage(0, 0);
  }

  /** The part of the image visible in a pane, in whole image pixels, clipped to the image. */
  visibleRect(): Rect {
    const a = this.toImage(0, 0);
    const b = this.toImage(this.paneWidth, this.paneHeight);
    const x = Math.max(0, Math.floor(a.x));
    const y = Math.max(0, Math.floor(a.y));
    const x2 = Math.min(this.imageWidth, Math.ceil(b.x));
    const y2 = Math.min(this.imageHeight, Math.ceil(b.y));
    return { x, y, width: Math.max(0, x2 - x), height: Math.max(0, y2 - y) };
  }
}
