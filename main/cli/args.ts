// Command-line parsing for `hush`: turns argv into a typed command or a one-line usage error.
import { parseArgs } from 'node:util';
import type { AudioFormat, AudioSampleFormat, ImageFormat, ReductionDb, Sigma } from '../engine/types.ts';

export const USAGE = `Usage:
  hush denoise <files or folders...> --out <dir> [options]
  hush info [--json]
  hush worker --redis <url> [--concurrency N] [--queue NAME] [--stalled-after S]
  hush submit <files or folders...> --out <dir> --redis <url> [denoise options] [--wait]
              [--queue NAME] [--attempts N]
  hush status --redis <url> [--queue NAME] [--json]
  hush retry-failed --redis <url> [--queue NAME]
  hush --help | --version

Denoise options:
  -o, --out <dir>           folder for the outputs (created if missing; required)
  -s, --sigma <0-255|auto>  photo noise level on the 0-255 scale (default auto: estimated per photo)
  -d, --reduction-db <dB|auto>
                            most the noise in recordings is attenuated, in dB (default auto)
  -r, --recursive           look for files in sub-folders too
  -f, --format <ext>        output format: jpg, png, webp, tif, avif, heic (photos) or wav, flac
                            (recordings); default: the input's format
  -q, --quality <1-100>     quality of lossy photo formats (default: the encoder's high-quality default)
      --bit-depth <8|16>    photo bits per channel (default: the input's)
      --sample-format <pcm16|pcm24|float32>
                            WAV sample encoding (default: closest to the input's)
  -j, --jobs <N>            files processed at once (default 1)
      --name-pattern <p>    output name without extension; tokens {name} {index} {strength} {date}
                            (default {name})
      --skip-existing       skip files whose output already exists (resume an interrupted run)
      --overwrite           replace earlier outputs of the same name (never an input file)
      --json                print the summary as JSON on stdout

Outputs keep the input's name inside --out. Hush never writes over an input: a name clash gets a
unique name (photo-1.jpg) unless --overwrite, which fails that file instead.
Exit status: 0 when every file succeeded (or was skipped), 1 when any failed or the run was
cancelled, 2 on a usage error.`;

export interface DenoiseCommand {
  readonly command: 'denoise';
  readonly inputs: readonly string[];
  readonly out: string;
  readonly sigma: Sigma;
  readonly reductionDb: ReductionDb;
  readonly recursive: boolean;
  readonly imageFormat?: ImageFormat;
  readonly audioFormat?: AudioFormat;
  readonly quality?: number;
  readonly bitDepth?: 8 | 16;
  readonly sampleFormat?: AudioSampleFormat;
  readonly jobs: number;
  readonly namePattern?: string;
  readonly skipExisting: boolean;
  readonly overwrite: boolean;
  readonly json: boolean;
}

export type Command =
  | DenoiseCommand
  | { readonly command: 'info'; readonly json: boolean }
  | { readonly command: 'help' }
  | { readonly command: 'version' };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, { image?: ImageFormat; audio?: AudioFormat }>> = {
  jpg: { image: 'jpeg' }, jpeg: { image: 'jpeg' }, png: { image: 'png' }, webp: { image: 'webp' },
  tif: { image: 'tiff' }, tiff: { image: 'tiff' }, avif: { image: 'avif' }, heic: { image: 'heif' }, heif: { image: 'heif' },
  wav: { audio: 'wav' }, flac: { audio: 'flac' },
};

function parseStrength(flag: string, value: string | undefined, max: number): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) {
    throw new UsageError(`${flag} must be a number from 0 to ${max} or "auto" (got "${value}")`);
  }
  return n;
}

function parseInteger(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return { command: 'help' };
  if (first === '--version' || first === '-v' || first === 'version') return { command: 'version' };
  if (first === 'info') {
    const { values } = parse(rest, { json: { type: 'boolean' } }, false);
    return { command: 'info', json: values.json === true };
  }
  if (first !== 'denoise') throw new UsageError(`unknown command "${first}" (expected denoise or info)`);

  const { values, positionals } = parse(
    rest,
    {
      out: { type: 'string', short: 'o' },
      sigma: { type: 'string', short: 's' },
      'reduction-db': { type: 'string', short: 'd' },
      recursive: { type: 'boolean', short: 'r' },
      format: { type: 'string', short: 'f' },
      quality: { type: 'string', short: 'q' },
      'bit-depth': { type: 'string' },
      'sample-format': { type: 'string' },
      jobs: { type: 'string', short: 'j' },
      'name-pattern': { type: 'string' },
      'skip-existing': { type: 'boolean' },
      overwrite: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help === true) return { command: 'help' };
  if (positionals.length === 0) throw new UsageError('no input files or folders given');
  const out = values.out;
  if (typeof out !== 'string' || out.trim() === '') throw new UsageError('--out <dir> is required');

  let imageFormat: ImageFormat | undefined;
  let audioFormat: AudioFormat | undefined;
  if (typeof values.format === 'string') {
    const f = FORMAT_BY_EXTENSION[values.format.toLowerCase().replace(/^\./, '')];
    if (!f) throw new UsageError(`unknown --format "${values.format}" (use ${Object.keys(FORMAT_BY_EXTENSION).join(', ')})`);
    imageFormat = f.image;
    audioFormat = f.audio;
  }
  const bitDepth = parseInteger('--bit-depth', values['bit-depth'] as string | undefined, 8, 16);
  if (bitDepth !== undefined && bitDepth !== 8 && bitDepth !== 16) throw new UsageError('--bit-depth must be 8 or 16');
  const sampleFormat = values['sample-format'] as string | undefined;
  if (sampleFormat !== undefined && !['pcm16', 'pcm24', 'float32'].includes(sampleFormat)) {
    throw new UsageError('--sample-format must be pcm16, pcm24 or float32');
  }
  const namePattern = values['name-pattern'] as string | undefined;
  if (namePattern !== undefined && (/[/\\]/.test(namePattern) || namePattern.trim() === '')) {
    throw new UsageError('--name-pattern must be a non-empty name without path separators');
  }
  const quality = parseInteger('--quality', values.quality as string | undefined, 1, 100);
  return {
    command: 'denoise',
    inputs: positionals,
    out,
    sigma: parseStrength('--sigma', values.sigma as string | undefined, 255),
    reductionDb: parseStrength('--reduction-db', values['reduction-db'] as string | undefined, 100),
    recursive: values.recursive === true,
    ...(imageFormat ? { imageFormat } : {}),
    ...(audioFormat ? { audioFormat } : {}),
    ...(quality !== undefined ? { quality } : {}),
    ...(bitDepth !== undefined ? { bitDepth: bitDepth as 8 | 16 } : {}),
    ...(sampleFormat !== undefined ? { sampleFormat: sampleFormat as AudioSampleFormat } : {}),
    jobs: parseInteger('--jobs', values.jobs as string | undefined, 1, 64) ?? 1,
    ...(namePattern !== undefined ? { namePattern } : {}),
    skipExisting: values['skip-existing'] === true,
    overwrite: values.overwrite === true,
    json: values.json === true,
  };
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse<O extends Options>(args: string[], options: O, allowPositionals: boolean) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}
