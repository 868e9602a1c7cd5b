// Hostile input over the engine host protocol: random values, and valid calls of EVERY method with
// random mutations, are posted to a real engine process (real server + transport; an engine that
// touches no files). The process must never die or hang: every message it sends is schema-valid,
// every call with a usable id gets exactly one answer (result or typed error), and an `info` probe
// after each sequence is answered. Cases and seconds are printed for docs/RELIABILITY.md.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childMessageSchema, methodNames, parentMessageSchema, type ChildMessage } from '../../main/host/protocol.ts';
import { forkNodeEngine, type EngineChild } from '../../main/host/transport.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/refusing-engine-process.ts', import.meta.url));
const RUNS = Number(process.env.HUSH_FUZZ_RUNS ?? 800);

/** A valid params object per method (paths that do not exist: the fixture refuses anyway). */
const validParams: Record<(typeof methodNames)[number], Record<string, unknown>> = {
  info: {},
  denoise: { files: [{ path: '/nonexistent/a.png', sigma: 25 }], outDir: '/nonexistent/out', namePattern: '{name}-x', concurrency: 2 },
  estimate: { path: '/nonexistent/a.png' },
  previewImage: { path: '/nonexistent/a.png', sigma: 'auto', region: { left: 0, top: 0, width: 64, height: 64 }, maxSide: 256 },
  thumbnail: { path: '/nonexistent/a.png', maxSide: 128 },
  audioOverview: { path: '/nonexistent/a.wav', points: 512, spectrogramHeight: 64 },
  previewAudio: { path: '/nonexistent/a.wav', reductionDb: 'auto', startSec: 0, durationSec: 2 },
};

const hostile = fc.oneof(
  fc.constantFrom<unknown>('../../etc/passwd', '\0', -1, 1e308, Number.NaN, Number.POSITIVE_INFINITY, '', '{name}/../x', 'a'.repeat(70_000), [], {}, null),
  fc.anything({ withBigInt: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, maxDepth: 3 }),
);

/** A valid call of a random method with 0–3 random changes to its params (or to the envelope). */
const mutatedCall = fc.record({
  method: fc.constantFrom(...methodNames),
  changes: fc.array(fc.record({ key: fc.oneof(fc.constantFrom('path', 'files', 'outDir', 'sigma', 'reductionDb', 'maxSide', 'region', 'startSec', 'durationSec', 'namePattern', 'points', '__proto__', 'constructor'), fc.string({ maxLength: 8 })), value: hostile, drop: fc.boolean() }), { maxLength: 3 }),
  envelope: fc.option(fc.record({ key: fc.constantFrom('kind', 'method', 'params', 'extra'), value: hostile }), { nil: undefined }),
});

const message = fc.oneof(
  { arbitrary: mutatedCall.map((m) => ({ type: 'call' as const, ...m })), weight: 3 },
  { arbitrary: hostile.map((value) => ({ type: 'raw' as const, value })), weight: 1 },
  { arbitrary: fc.nat({ max: 5 }).map((k) => ({ type: 'cancel' as const, k })), weight: 1 },
);

let child: EngineChild;
const received: ChildMessage[] = [];
const invalid: unknown[] = [];
let exited = false;
let nextId = 1;

function waitFor<T>(pick: () => T | undefined, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const t = setInterval(() => {
      const v = pick();
      if (v !== undefined) {
        clearInterval(t);
        resolve(v);
      } else if (exited || Date.now() - t0 > ms) {
        clearInterval(t);
        reject(new Error(exited ? `engine process died while waiting for ${what}` : `no ${what} within ${ms} ms`));
      }
    }, 2);
  });
}

beforeAll(async () => {
  child = forkNodeEngine({ entry: FIXTURE });
  child.onMessage((m) => {
    const p = childMessageSchema.safeParse(m);
    if (p.success) received.push(p.data);
    else invalid.push(m);
  });
  child.onExit(() => (exited = true));
  await waitFor(() => received.find((m) => m.kind === 'ready'), 60_000, 'ready message');
});
afterAll(() => {
  child?.kill();
});

describe('engine host protocol under hostile messages', () => {
  it('never dies, never hangs, answers every call it can identify, and only sends valid messages', async () => {
    let cases = 0;
    let messages = 0;
    let answeredCalls = 0;
    let rejected = 0;
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 6 }), async (seq) => {
        cases++;
        const expectAnswer: number[] = [];
        for (const m of seq) {
          let payload: unknown;
          let id: number | undefined;
          if (m.type === 'call') {
            id = nextId++;
            const params: Record<string, unknown> = { ...validParams[m.method] };
            for (const c of m.changes) {
              if (c.drop) delete params[c.key];
              else Object.defineProperty(params, c.key, { value: c.value, enumerable: true, configurable: true, writable: true });
            }
            const envelope: Record<string, unknown> = { kind: 'call', id, method: m.method, params };
            if (m.envelope) envelope[m.envelope.key] = m.envelope.value;
            payload = envelope;
            // A call keeps its id unless the mutation replaced the envelope's kind.
            if (envelope.kind === 'call') expectAnswer.push(id);
          } else if (m.type === 'cancel') {
            payload = { kind: 'cancel', id: Math.max(0, nextId - 1 - m.k) };
          } else {
            payload = m.value;
          }
          // A shutdown is a legitimate request to exit; it is not hostile input.
          if (parentMessageSchema.safeParse(payload).data?.kind === 'shutdown') continue;
          try {
            child.postMessage(payload);
            messages++;
          } catch {
            // Not serialisable (cannot even leave this process): nothing reached the engine.
            if (id !== undefined) expectAnswer.pop();
          }
        }
        for (const id of expectAnswer) {
          const answers = await waitFor(() => {
            const a = received.filter((r) => (r.kind === 'result' || r.kind === 'error') && r.id === id);
            return a.length ? a : undefined;
          }, 10_000, `answer to call ${id}`);
          expect(answers).toHaveLength(1);
          answeredCalls++;
          if (answers[0].kind === 'error') rejected++;
        }
        // Still alive and serving.
        const probe = nextId++;
        child.postMessage({ kind: 'call', id: probe, method: 'info', params: {} });
        const answer = await waitFor(() => received.find((r) => r.kind === 'result' && r.id === probe), 10_000, 'info probe');
        expect(answer.kind).toBe('result');
      }),
      { numRuns: RUNS, seed: Number(process.env.HUSH_FUZZ_SEED ?? 20261127), interruptAfterTimeLimit: 90_000 },
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(`host protocol fuzz: ${cases} sequences, ${messages} messages, ${answeredCalls} calls answered (${rejected} as typed errors), ${received.filter((r) => r.kind === 'protocol-error').length} protocol errors, ${seconds.toFixed(1)} s`);
    expect(invalid).toEqual([]);
    expect(exited).toBe(false);
    expect(cases).toBeGreaterThanOrEqual(Math.min(RUNS, 50));
    // The fuzzing reached both the schema's refusals and the engine (valid calls refused by the engine).
    const codes = new Set(received.flatMap((r) => (r.kind === 'error' ? [r.error.message.startsWith('invalid request') ? 'schema' : r.error.code] : [])));
    expect(codes.has('schema')).toBe(true);
    expect(codes.has('unsupported-format')).toBe(true);
  }, 180_000);
});
