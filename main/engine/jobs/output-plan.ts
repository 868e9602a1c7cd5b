// How one file's output is planned (kind, format, name) before any denoising. Free of TF.js so the
// distributed workers (main/cluster/) can plan a job's output name in their own process.
import path from 'node:path';
import { probeAudio } from '../audio/probe.ts';
import type { DenoiseFile, DenoiseRequest, Estimate } from '../engine-api.ts';
import { defaultOutputFormat } from '../image/formats.ts';
import { probeImage } from '../image/probe.ts';
import { HushError, type MediaKind, type OutputFormat } from '../types.ts';
import { detectMediaKind } from './media-kind.ts';
import { expandPattern, extensionFor } from './output-naming.ts';

/** Where a file's output goes and how it is encoded, decided before any denoising. */
export interface OutputPlan {
  readonly kind: MediaKind;
  readonly format: OutputFormat;
  /** Output base name (pattern expanded) and extension; the output is `base + ext` or a unique variant. */
  readonly base: string;
  readonly ext: string;
  /** Strength to apply: the request's, or the estimate when a `{strength}` pattern needed it first. */
  readonly strength: number | 'auto';
  /** What that early estimate found (σ, or input SNR in dB). */
  readonly estimate?: number;
}

/**
 * Plan one file's output exactly as a batch does: kind and format from the content, the name from
 * the pattern (estimating first when the pattern names an automatic strength). Shared by the
 * engine's batches and the distributed workers (main/cluster/), so both name outputs alike.
 */
export async function planOutput(
  input: string,
  file: Pick<DenoiseFile, 'sigma' | 'reductionDb' | 'nameIndex'>,
  index: number,
  request: Pick<DenoiseRequest, 'sigma' | 'reductionDb' | 'imageFormat' | 'audioFormat' | 'namePattern'>,
  estimate: (path: string, signal: AbortSignal | undefined) => Promise<Estimate>,
  signal?: AbortSignal,
): Promise<OutputPlan> {
  const kind = await detectMediaKind(input);
  if (signal?.aborted) throw new HushError('cancelled', 'cancelled');
  let format: OutputFormat;
  if (kind === 'image') {
    const probe = await probeImage(input);
    format = request.imageFormat ?? defaultOutputFormat(probe.format);
  } else {
    const probe = await probeAudio(input);
    format = request.audioFormat ?? (probe.format === 'flac' ? 'flac' : 'wav');
  }
  // A pattern naming the strength needs the estimate before the name.
  const pattern = request.namePattern ?? '{name}';
  let strength = kind === 'image' ? (file.sigma ?? request.sigma ?? 'auto') : (file.reductionDb ?? request.reductionDb ?? 'auto');
  let found: number | undefined;
  if (strength === 'auto' && pattern.includes('{strength}')) {
    const e = await estimate(input, signal);
    strength = e.kind === 'image' ? e.sigma : e.reductionDb;
    found = e.kind === 'image' ? e.sigma : e.snrDb;
  }
  const base = expandPattern(pattern, input, {
    name: path.basename(input, path.extname(input)),
    index: file.nameIndex ?? index,
    ...(strength === 'auto' ? {} : { strength }),
  });
  return { kind, format, base, ext: extensionFor(format, input), strength, ...(found !== undefined ? { estimate: found } : {}) };
}
