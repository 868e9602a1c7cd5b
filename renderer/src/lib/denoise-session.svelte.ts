// What the photo and recording sessions share: the strength the user is on, fast previews through a
// latest-wins pump while the slider moves, then the whole file once it settles, and the status the
// stage shows. While the slider moves, each finished preview is shown even if the thumb has moved on
// (dropping them showed nothing until it stopped); one result never paints over a newer one, and the
// whole file is asked for only at the strength the user settles on. Subclasses fetch and decode (async), then commit to their state in one
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
  /** Order in which results were asked for; a result older than the one on screen is not shown. */
  private issued = 0;
  private shown = 0;
  protected readonly pump = new LatestPump<Req>((req) => this.runPreview(req));
  protected readonly fullLater = debounce((s: Strength) => void this.runFull(s), 350);

  constructor(
    protected readonly api: HushApi,
    readonly fileId: string,
  ) {}

  /** Fetch and decode a preview; `current` says whether it may still be shown. */
  protected abstract fetchPreview(req: Req, current: () => boolean): Promise<Commit>;
  /** Decode a whole-file result (null when it is not of this session's kind). */
  protected abstract fetchFull(res: FullPreview, current: () => boolean): Promise<Commit>;
  /** Whether a preview can be shown at all yet. */
  protected canPreview(): boolean {
    return true;
  }
  /** Whether the newest preview asked for is already at `strength` (so asking again repeats it). */
  protected previewAsked(_strength: Strength): boolean {
    return false;
  }
  /**
   * Number a result as it is asked for. `fresh`: nothing newer is on screen yet (worth decoding);
   * `take`: claim the screen, false when a newer result got there first.
   */
  protected ticket(): { fresh: () => boolean; take: () => boolean } {
    const n = ++this.issued;
    const fresh = (): boolean => !this.disposed && n > this.shown;
    return {
      fresh,
      take: () => {
        if (!fresh()) return false;
        this.shown = n;
        return true;
      },
    };
  }

  /** Move to `strength`: `preview` asks for a quick look now; the whole file follows if `full`. */
  protected retarget(strength: Strength, full: boolean, preview: () => void): void {
    const changed = strength !== this.target;
    this.target = strength;
    if (changed) this.fullDone = false;
    // Releasing the thumb where the last drag preview was asked for: that preview is there or on its way.
    if (changed || !this.previewAsked(strength)) preview();
    if (full && (changed || !this.fullDone)) this.fullLater(strength);
  }

  private async runPreview(req: Req): Promise<void> {
    // Queued while the full result was on its way: nothing left to preview.
    if (this.disposed || req.strength !== this.target || this.fullDone || !this.canPreview()) return;
    this.previewBusy = true;
    const ticket = this.ticket();
    try {
      // The thumb may have moved on: show this answer anyway until the newer one is back.
      const commit = await this.fetchPreview(req, ticket.fresh);
      // A finished full result at this strength is better than a preview: leave it alone.
      if (!commit || this.fullDone || !ticket.take()) return;
      commit();
      this.error = null;
    } catch (err) {
      if (!this.disposed) this.error = apiErrorText(err);
    } finally {
      this.previewBusy = false;
    }
  }

  protected async runFull(strength: Strength): Promise<void> {
    // Already whole at this strength (a small photo's preview is the whole photo).
    if (this.disposed || (this.fullDone && strength === this.target)) return;
    const seq = ++this.fullSeq;
    this.fullBusy = true;
    const ticket = this.ticket();
    try {
      const current = (): boolean => !this.disposed && seq === this.fullSeq && strength === this.target;
      const res = await this.api.previewFull({ fileId: this.fileId, strength });
      if (!current()) return;
      const commit = await this.fetchFull(res, current);
      if (!commit || !current() || !ticket.take()) return;
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
