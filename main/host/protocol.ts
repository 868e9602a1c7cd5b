// The message protocol between a parent (CLI, Electron main, web bridge) and the engine process.
// Every message crossing the boundary is validated with these zod schemas on the receiving side
// (and requests also before sending), and the TypeScript types of the Engine API are checked at
// compile time to match what the schemas accept, so the two cannot drift apart.
//
// Transport: Node child_process IPC with `serialization: 'advanced'` or Electron's utilityProcess
// MessagePort, both structured-clone based, so Uint8Array/Float32Array payloads pass as they are.
import { z } from 'zod';
import type {
  AudioOverview, AudioOverviewRequest, AudioPreview, AudioPreviewRequest, DenoiseRequest, EncodedImage, EngineInfo,
  Estimate, ImagePreview, ImagePreviewRequest, ImageThumbnail,
} from '../engine/engine-api.ts';
import type { BatchSummary, ErrorInfo, FileOutcome, JobEvent } from '../engine/jobs/events.ts';
import type { FileResult } from '../engine/types.ts';

// ---------------------------------------------------------------------------------------------
// Building blocks

/** A file system path: non-empty, no NUL byte (which would truncate it in the OS), bounded length. */
const pathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), { message: 'path contains a NUL byte' });

const sigmaSchema = z.union([z.number().min(0).max(255), z.literal('auto')]);
const reductionDbSchema = z.union([z.number().min(0).max(100), z.literal('auto')]);
const imageFormatSchema = z.enum(['jpeg', 'png', 'webp', 'tiff', 'avif', 'heif']);
const audioFormatSchema = z.enum(['wav', 'flac']);
const sampleFormatSchema = z.enum(['pcm16', 'pcm24', 'float32']);
const stageSchema = z.enum(['queued', 'decoding', 'estimating', 'denoising', 'encoding', 'done', 'failed', 'cancelled', 'skipped']);
const errorCodeSchema = z.enum([
  'unsupported-format', 'corrupt-file', 'empty-file', 'too-large', 'unreadable', 'output-exists',
  'output-unwritable', 'would-overwrite-input', 'cancelled', 'engine-crashed', 'internal',
]);
const fraction = z.number().min(0).max(1);
const index = z.number().int().min(0);
const seconds = z.number().min(0);
const dimension = z.number().int().min(1).max(1 << 20);

export const errorInfoSchema = z.strictObject({ code: errorCodeSchema, message: z.string().max(2000) });

const regionSchema = z.strictObject({
  left: z.number().int().min(0),
  top: z.number().int().min(0),
  width: dimension,
  height: dimension,
});

// ---------------------------------------------------------------------------------------------
// Requests (params)

export const denoiseRequestSchema = z.strictObject({
  files: z
    .array(z.strictObject({ path: pathSchema, sigma: sigmaSchema.optional(), reductionDb: reductionDbSchema.optional(), nameIndex: index.optional() }))
    .max(100_000),
  outDir: pathSchema,
  sigma: sigmaSchema.optional(),
  reductionDb: reductionDbSchema.optional(),
  imageFormat: imageFormatSchema.optional(),
  audioFormat: audioFormatSchema.optional(),
  quality: z.number().int().min(1).max(100).optional(),
  bitDepth: z.union([z.literal(8), z.literal(16)]).optional(),
  sampleFormat: sampleFormatSchema.optional(),
  namePattern: z
    .string()
    .min(1)
    .max(200)
    .refine((p) => !/[/\\\0]/.test(p), { message: 'name pattern must not contain path separators' })
    .optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  skipExisting: z.boolean().optional(),
  overwrite: z.boolean().optional(),
  reservedOutputs: z.array(pathSchema).max(100_000).optional(),
});

export const imagePreviewRequestSchema = z.strictObject({
  path: pathSchema,
  sigma: sigmaSchema,
  region: regionSchema.optional(),
  maxSide: z.number().int().min(16).max(8192).optional(),
});

export const audioOverviewRequestSchema = z.strictObject({
  path: pathSchema,
  points: z.number().int().min(1).max(16_384).optional(),
  spectrogramHeight: z.number().int().min(16).max(2048).optional(),
});

export const audioPreviewRequestSchema = z.strictObject({
  path: pathSchema,
  reductionDb: reductionDbSchema,
  startSec: z.number().min(0),
  durationSec: z.number().gt(0).max(120),
});

// ---------------------------------------------------------------------------------------------
// Results

const fileResultSchema = z.strictObject({
  input: z.string(),
  output: z.string(),
  kind: z.enum(['image', 'audio']),
  strength: z.number(),
  estimate: z.number().optional(),
  seconds,
});

const fileOutcomeSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('done'), index, input: z.string(), result: fileResultSchema }),
  z.strictObject({ status: z.literal('skipped'), index, input: z.string(), output: z.string(), reason: z.string() }),
  z.strictObject({ status: z.literal('failed'), index, input: z.string(), error: errorInfoSchema }),
  z.strictObject({ status: z.literal('cancelled'), index, input: z.string() }),
]);

export const batchSummarySchema = z.strictObject({
  total: z.number().int().min(0),
  done: z.number().int().min(0),
  skipped: z.number().int().min(0),
  failed: z.number().int().min(0),
  cancelled: z.number().int().min(0),
  wasCancelled: z.boolean(),
  seconds,
  outcomes: z.array(fileOutcomeSchema),
});

const etaSchema = z.number().min(0).nullable();

export const jobEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('progress'), index, path: z.string(), stage: stageSchema, fraction, overall: fraction, etaSeconds: etaSchema }),
  z.strictObject({ type: z.literal('file'), outcome: fileOutcomeSchema, overall: fraction, etaSeconds: etaSchema }),
]);

const modelInfoSchema = z.strictObject({ name: z.string(), version: z.string(), params: z.number().int().min(0), dir: z.string() });

export const engineInfoSchema = z.strictObject({
  backend: z.strictObject({ name: z.enum(['tensorflow', 'tensorflow-gpu', 'wasm', 'cpu']), threads: z.number().int().min(1), simd: z.boolean() }),
  models: z.strictObject({ image: modelInfoSchema.nullable(), audio: modelInfoSchema.nullable() }),
  modelErrors: z.array(z.string()),
  versions: z.strictObject({ app: z.string(), node: z.string(), tfjs: z.string(), sharp: z.string(), libvips: z.string() }),
  pid: z.number().int(),
});

export const estimateSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('image'), sigma: z.number().min(0) }),
  z.strictObject({ kind: z.literal('audio'), reductionDb: z.number().min(0), snrDb: z.number() }),
]);

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected bytes (Uint8Array)' });
const floats = z.custom<Float32Array>((v) => v instanceof Float32Array, { message: 'expected a Float32Array' });
export const encodedImageSchema = z.strictObject({
  data: bytes,
  mime: z.enum(['image/png', 'image/jpeg', 'image/webp']),
  width: dimension,
  height: dimension,
});

export const imagePreviewSchema = z.strictObject({
  before: encodedImageSchema,
  after: encodedImageSchema,
  region: regionSchema,
  sigma: z.number().min(0),
  estimate: z.number().min(0).optional(),
});

export const audioOverviewSchema = z.strictObject({
  sampleRate: z.number().int().min(1),
  channels: z.number().int().min(1),
  durationSec: seconds,
  format: z.string(),
  min: floats,
  max: floats,
  spectrogram: z.strictObject({
    png: bytes,
    width: dimension,
    height: dimension,
    minHz: z.number().min(0),
    maxHz: z.number().min(0),
    maxDb: z.number(),
    rangeDb: z.number().min(0),
  }),
});

export const audioPreviewSchema = z.strictObject({
  sampleRate: z.number().int().min(1),
  channels: z.number().int().min(1),
  startSec: seconds,
  durationSec: seconds,
  before: bytes,
  after: bytes,
  reductionDb: z.number().min(0),
  estimate: z.number().optional(),
});

export const imageThumbnailSchema = z.strictObject({
  image: encodedImageSchema,
  sourceWidth: dimension,
  sourceHeight: dimension,
  format: z.string(),
  bitDepth: z.number().int().min(1).max(64),
  hasAlpha: z.boolean(),
});

// ---------------------------------------------------------------------------------------------
// Methods: params and result schema of every call the engine process answers.

export const methods = {
  info: { params: z.strictObject({}), result: engineInfoSchema },
  denoise: { params: denoiseRequestSchema, result: batchSummarySchema },
  estimate: { params: z.strictObject({ path: pathSchema }), result: estimateSchema },
  previewImage: { params: imagePreviewRequestSchema, result: imagePreviewSchema },
  thumbnail: { params: z.strictObject({ path: pathSchema, maxSide: z.number().int().min(8).max(4096) }), result: imageThumbnailSchema },
  audioOverview: { params: audioOverviewRequestSchema, result: audioOverviewSchema },
  previewAudio: { params: audioPreviewRequestSchema, result: audioPreviewSchema },
} as const;

export type MethodName = keyof typeof methods;
export type MethodParams<M extends MethodName> = z.infer<(typeof methods)[M]['params']>;
export type MethodResult<M extends MethodName> = z.infer<(typeof methods)[M]['result']>;

type DeepReadonly<T> = T extends Uint8Array | Float32Array
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;
/** What a caller may pass as a method's params (the API's readonly types included). */
export type CallParams<M extends MethodName> = DeepReadonly<MethodParams<M>>;
export const methodNames = Object.keys(methods) as MethodName[];

const callId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

// ---------------------------------------------------------------------------------------------
// Envelopes

/** One schema per method, so a call's params are checked against its own method. */
const callSchemas = methodNames.map((method) =>
  z.strictObject({ kind: z.literal('call'), id: callId, method: z.literal(method), params: methods[method].params }),
);

export const parentMessageSchema = z.union([
  z.discriminatedUnion('method', callSchemas as unknown as [typeof callSchemas[number], ...typeof callSchemas[number][]]),
  z.strictObject({ kind: z.literal('cancel'), id: callId }),
  z.strictObject({ kind: z.literal('shutdown') }),
]);

export type CallMessage = { [M in MethodName]: { kind: 'call'; id: number; method: M; params: MethodParams<M> } }[MethodName];
export type ParentMessage = CallMessage | { kind: 'cancel'; id: number } | { kind: 'shutdown' };

/** Messages from the engine process. A result's value is validated against the called method. */
export const childMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ready'), pid: z.number().int() }),
  z.strictObject({ kind: z.literal('event'), id: callId, event: jobEventSchema }),
  z.strictObject({ kind: z.literal('result'), id: callId, value: z.unknown() }),
  z.strictObject({ kind: z.literal('error'), id: callId, error: errorInfoSchema }),
  /** The engine received something it could not parse; it says so rather than dying. */
  z.strictObject({ kind: z.literal('protocol-error'), message: z.string() }),
]);
export type ChildMessage = z.infer<typeof childMessageSchema>;

/** Why a message was rejected, in one line (first few zod issues with their paths). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`)
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// Compile-time checks: the schemas accept exactly the Engine API's types.

type Writable<T> = T extends Uint8Array | Float32Array
  ? T
  : T extends readonly (infer U)[]
    ? Writable<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Writable<T[K]> }
      : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

export type ProtocolMatchesApi = [
  Assert<Same<z.infer<typeof denoiseRequestSchema>, Writable<DenoiseRequest>>>,
  Assert<Same<z.infer<typeof imagePreviewRequestSchema>, Writable<ImagePreviewRequest>>>,
  Assert<Same<z.infer<typeof audioOverviewRequestSchema>, Writable<AudioOverviewRequest>>>,
  Assert<Same<z.infer<typeof audioPreviewRequestSchema>, Writable<AudioPreviewRequest>>>,
  Assert<Same<z.infer<typeof engineInfoSchema>, Writable<EngineInfo>>>,
  Assert<Same<z.infer<typeof estimateSchema>, Writable<Estimate>>>,
  Assert<Same<z.infer<typeof encodedImageSchema>, Writable<EncodedImage>>>,
  Assert<Same<z.infer<typeof imagePreviewSchema>, Writable<ImagePreview>>>,
  Assert<Same<z.infer<typeof audioOverviewSchema>, Writable<AudioOverview>>>,
  Assert<Same<z.infer<typeof audioPreviewSchema>, Writable<AudioPreview>>>,
  Assert<Same<z.infer<typeof imageThumbnailSchema>, Writable<ImageThumbnail>>>,
  Assert<Same<z.infer<typeof batchSummarySchema>, Writable<BatchSummary>>>,
  Assert<Same<z.infer<typeof jobEventSchema>, Writable<JobEvent>>>,
  Assert<Same<z.infer<typeof fileOutcomeSchema>, Writable<FileOutcome>>>,
  Assert<Same<z.infer<typeof fileResultSchema>, Writable<FileResult>>>,
  Assert<Same<z.infer<typeof errorInfoSchema>, Writable<ErrorInfo>>>,
];
