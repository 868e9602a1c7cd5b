// What the photo and recording sessions share: the strength the user is on, fast previews through a
// latest-wins pump while the slider moves, then the whole file once it settles, and the status the
// stage shows. Answers for a strength the user has already left are dropped, so the last slider
// position always wins. Subclasses fetch and decode (async), then commit to their state in one
// synchronous step, so a view never sees half a result.
import { apiErrorText, type FullPreview, type HushApi, type Strength } from '../../../main/ipc/contract.ts';
import { debounce, LatestPump } from './latest.ts';

/** Applies a fetched result to the session's state; null when the answer is of no use. */
export type Commit = (() => void) | null;

export abstract class DenoiseSession<Req extends { readonly strength: Strength }> {
  /** The whole file has been denoised at the current target strength. */
  fullDone = $state(false);
  previewBusy = $state(false);
  fullBusy = $state(false);
  lastPreviewMs = $state<number | null>(null);
  lastFullMs = $state<number | null>(null);
  /** The last full result came from the bridge's cache (asked before at this strength). */
  lastFullCached = $state(false);
  error = $state<string | null>(null);

  protected target: Strength = 'auto';
  protected disposed = false;
  private fullSeq = 0;
  protected readonly pump = new LatestPump<Req>((req) => this.runPreview(req));
  protected readonly fullLater = debounce((s: Strength) => void this.runFull(s), 350);

  constructor(
    protected readonly api: HushApi,
    readonly fileId: string,
  ) {}

  /** Fetch and decode a preview; `current` says whether the user is still on its strength. */
  protected abstract fetchPreview(req: Req, current: () => boolean): Promise<Commit>;
  /** Decode a whole-file result (null when it is not of this session's kind). */
  protected abstract fetchFull(res: FullPreview, current: () => boolean): Promise<Commit>;
  /** Whether a preview can be shown at all yet. */
  protected canPreview(): boolean {
    return true;
  }

  /** Move to `strength`: `preview` asks for a quick look now; the whole file follows if `full`. */
  protected retarget(strength: Strength, full: boolean, preview: () => void): void {
    const changed = strength !== this.target;
    this.target = strength;
    if (changed) this.fullDone = false;
    preview();
    if (full && (changed || !this.fullDone)) this.fullLater(strength);
  }

  private async runPreview(req: Req): Promise<void> {
    // Queued while the full result was on its way: nothing left to preview.
    if (this.disposed || req.strength !== this.target || this.fullDone || !this.canPreview()) return;
    this.previewBusy = true;
    try {
      const current = (): boolean => !this.disposed && req.strength === this.target;
      const commit = await this.fetchPreview(req, current);
      // A finished full result at this strength is better than a preview: leave it alone.
      if (!commit || !current() || this.fullDone) return;
      commit();
      this.error = null;
    } catch (err) {
      if (!this.disposed) this.error = apiErrorText(err);
    } finally {
      this.previewBusy = false;
    }
  }

  protected async runFull(strength: Strength): Promise<void> {
    if (this.disposed) return;
    const seq = ++this.fullSeq;
    this.fullBusy = true;
    try {
      const current = (): boolean => !this.disposed && seq === this.fullSeq && strength === this.target;
      const res = await this.api.previewFull({ fileId: this.fileId, strength });
      if (!current()) return;
      const commit = await this.fetchFull(res, current);
      if (!commit || !current()) return;
      commit();
      this.lastFullMs = res.ms;
      this.lastFullCached = res.cached;
      this.fullDone = true;
      this.error = null;
    } catch (err) {
      if (!this.disposed && seq === this.fullSeq) this.error = apiErrorText(err);
    } finally {
      if (seq === this.fullSeq) this.fullBusy = false;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.pump.stop();
    this.fullLater.cancel();
  }
}
