// Every IPC request crosses the dispatcher: fuzzed with fast-check (random values and mutations of
// valid requests, on every channel) it never throws, never hangs, always answers a typed Reply, and a
// handler only ever sees a payload its schema accepts. Handlers here record what they receive; the
// real handlers are exercised in handlers.test.ts and through the bridge.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allChannels,
  ApiErrorCodeSchema,
  channels,
  electronChannels,
  webChannels,
  type AnyChannel,
} from '../../main/ipc/contract.ts';
import { createDispatcher, type HandlerMap } from '../../main/ipc/dispatch.ts';
import { IpcFailure } from '../../main/ipc/ipc-failure.ts';
import { HushError } from '../../main/engine/types.ts';

const fid = 'f_AAAAAAAAAAAAAAAA';
/** One valid request per channel, to mutate. */
const valid: { [C in AnyChannel]: unknown } = {
  'files:list': {},
  'files:remove': { ids: [fid] },
  'files:thumbnail': { fileId: fid, maxSide: 256 },
  'files:audio-overview': { fileId: fid, columns: 512 },
  'files:estimate': { fileId: fid },
  'preview:image': { fileId: fid, region: { left: 0, top: 0, width: 256, height: 256 }, sigma: 25 },
  'preview:audio': { fileId: fid, startSec: 1, durationSec: 5, reductionDb: 'auto' },
  'preview:full': { fileId: fid, strength: 'auto' },
  'output:choose-folder': {},
  'export:start': {
    outputFolderId: 'd_AAAAAAAAAAAAAAAA',
    items: [{ fileId: fid, strength: 25 }],
    image: { format: 'same', quality: 90 },
    audio: { format: 'wav', sampleFormat: 'pcm24' },
    namePattern: '{name}-denoised',
    collision: 'unique',
  },
  'export:cancel': {},
  'shell:reveal': { id: 'o_AAAAAAAAAAAAAAAA' },
  'settings:get': {},
  'settings:set': { theme: 'dark', imageQuality: 80 },
  'app:info': {},
  'engine:status': {},
  'files:add-paths': { paths: ['/home/user/a.png'] },
  'files:open-dialog': { folders: false },
  'upload:begin': { name: 'a.png', size: 10 },
  'upload:chunk': { uploadId: 'u_x', offset: 0, data: 'AAAA' },
  'upload:end': { uploadId: 'u_x' },
  'upload:abort': { uploadId: 'u_x' },
  'bridge:ping': {},
};

const all = Object.keys(allChannels) as AnyChannel[];

/** Handlers that check what they are given and answer null (which most response schemas refuse). */
function recordingHandlers(received: { channel: AnyChannel; payload: unknown }[]): HandlerMap<AnyChannel> {
  return Object.fromEntries(
    all.map((c) => [
      c,
      async (payload: unknown) => {
        received.push({ channel: c, payload });
        return null;
      },
    ]),
  ) as unknown as HandlerMap<AnyChannel>;
}

describe('dispatcher', () => {
  it('has a sample for every channel of the contract', () => {
    expect(Object.keys(valid).sort()).toEqual([...Object.keys(channels), ...Object.keys(electronChannels), ...Object.keys(webChannels)].sort());
    for (const c of all) expect(allChannels[c].request.safeParse(valid[c]).success, c).toBe(true);
  });

  it('never throws and always answers a typed reply, for random payloads on every channel', async () => {
    const received: { channel: AnyChannel; payload: unknown }[] = [];
    const d = createDispatcher(recordingHandlers(received));
    let cases = 0;
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all, 'nope', '__proto__', 'constructor'), fc.anything({ withObjectString: true, withNullPrototype: true, withBigInt: true }), async (channel, payload) => {
        cases++;
        const reply = await d.dispatch(channel, payload, { transport: 'web' });
        expect(typeof reply.ok).toBe('boolean');
        if (!reply.ok) expect(ApiErrorCodeSchema.safeParse(reply.error.code).success).toBe(true);
      }),
      { numRuns: 3000 },
    );
    for (const r of received) expect(allChannels[r.channel].request.safeParse(r.payload).success).toBe(true);
    console.log(`dispatch fuzz (random): ${cases} cases in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  });

  it('only lets schema-valid mutations of valid requests through', async () => {
    const received: { channel: AnyChannel; payload: unknown }[] = [];
    const d = createDispatcher(recordingHandlers(received));
    const mutation = fc.record({
      key: fc.oneof(fc.constantFrom('fileId', 'ids', 'region', 'sigma', 'paths', 'namePattern', 'items', 'theme', 'offset', 'data'), fc.string()),
      value: fc.oneof(fc.anything(), fc.constantFrom('../../etc/passwd', '/etc/passwd', 'f_AAAA', -1, 1e308, Number.NaN, '{name}/../x', '')),
      drop: fc.boolean(),
    });
    let passed = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (channel, mutations) => {
        const payload: Record<string, unknown> = structuredClone(valid[channel]) as Record<string, unknown>;
        for (const m of mutations) {
          if (m.drop) delete payload[m.key];
          else payload[m.key] = m.value;
        }
        const before = received.length;
        const reply = await d.dispatch(channel, payload, { transport: 'electron' });
        const ok = allChannels[channel].request.safeParse(payload).success;
        if (ok) {
          passed++;
          expect(received.length).toBe(before + 1);
        } else {
          refused++;
          expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
          expect(received.length).toBe(before);
        }
      }),
      { numRuns: 3000 },
    );
    expect(refused).toBeGreaterThan(1000);
    expect(passed).toBeGreaterThan(0);
  });

  it('refuses name patterns that could leave the output folder, and ids that are paths', async () => {
    const received: { channel: AnyChannel; payload: unknown }[] = [];
    const d = createDispatcher(recordingHandlers(received));
    const exp = valid['export:start'] as Record<string, unknown>;
    for (const namePattern of ['../{name}', '{name}/x', 'a\\{name}', '{name}\0', 'plain']) {
      expect(await d.dispatch('export:start', { ...exp, namePattern }, { transport: 'web' })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    }
    for (const fileId of ['/etc/passwd', '../f_AAAAAAAAAAAA', 'f_../../etc', 'f_short']) {
      expect(await d.dispatch('files:thumbnail', { fileId }, { transport: 'web' })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    }
    expect(received).toEqual([]);
  });

  it('turns handler failures into typed errors, and answers that break the contract into internal errors', async () => {
    const d = createDispatcher({
      'files:list': async () => {
        throw new IpcFailure('unknown-file', 'gone');
      },
      'files:estimate': async () => {
        throw new HushError('corrupt-file', 'truncated JPEG');
      },
      'engine:status': async () => ({ state: 'on fire' }) as never,
      'app:info': async () => {
        throw new TypeError('boom');
      },
    });
    const ctx = { transport: 'electron' } as const;
    expect(await d.dispatch('files:list', {}, ctx)).toEqual({ ok: false, error: { code: 'unknown-file', message: 'gone' } });
    expect(await d.dispatch('files:estimate', { fileId: fid }, ctx)).toEqual({ ok: false, error: { code: 'corrupt-file', message: 'truncated JPEG' } });
    expect(await d.dispatch('engine:status', {}, ctx)).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(/broke the contract/) } });
    expect(await d.dispatch('app:info', {}, ctx)).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(await d.dispatch('files:thumbnail', { fileId: fid }, ctx)).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(d.serves('files:list')).toBe(true);
    expect(d.serves('files:thumbnail')).toBe(false);
  });
});
