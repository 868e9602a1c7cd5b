// A reload (a new HushApp, new file ids from the bridge) keeps each file's own strength and its
// "Exported" state (issue 12 item 9), for this tab (sessionStorage).
import { describe, expect, it } from 'vitest';
import type { FileEntry } from '../../main/ipc/contract.ts';
import { HushApp } from '../../renderer/src/lib/app.svelte.ts';
import { FakeApi } from './fake-api.ts';

const entry = (id: string): FileEntry => ({ id, name: 'cat.jpg', kind: 'image', ext: 'jpg', sizeBytes: 1234, displayPath: 'cat.jpg' });

async function appWith(id: string): Promise<HushApp> {
  const f = new FakeApi();
  f.handlers.addFiles = () => ({ added: [entry(id)], rejected: [] });
  f.handlers.getThumbnail = () => new Promise(() => undefined); // metadata is not what this test is about
  const app = new HushApp();
  app.api = f.api;
  await app.addFiles([new File(['x'], 'cat.jpg')]);
  return app;
}

describe('after a reload', () => {
  it('a file keeps its own strength and its export result', async () => {
    sessionStorage.clear();
    const first = await appWith('f_beforeReload1');
    first.setStrength('f_beforeReload1', 33, false);
    first.items[0].result = { fileId: 'f_beforeReload1', name: 'cat.jpg', status: 'done', outputName: 'cat-denoised.jpg', strength: 33 };
    first['remember']();

    const second = await appWith('f_afterReload01');
    const it = second.items[0];
    expect(it.strength).toBe(33);
    expect(it.result).toMatchObject({ fileId: 'f_afterReload01', status: 'done', outputName: 'cat-denoised.jpg' });
    expect(second.nextExport).toEqual([]); // skip-exported applies after the reload too
  });

  it('ignores what it cannot parse', async () => {
    sessionStorage.setItem('hush.files.v1', '{"x": {"strength": "loud"}}');
    const app = await appWith('f_someFile001');
    expect(app.items[0].strength).toBeNull();
  });
});
