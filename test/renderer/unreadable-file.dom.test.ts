// Component test (happy-dom, see README.md): selecting a file the engine cannot read shows why in
// the stage, with the slider and zoom off, and keeps it out of the export (issue 12 item 4).
import { render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it } from 'vitest';
import type { FileEntry } from '../../main/ipc/contract.ts';
import ImageStage from '../../renderer/src/components/ImageStage.svelte';
import { HushApp } from '../../renderer/src/lib/app.svelte.ts';
import { FakeApi } from './fake-api.ts';

const entry = (id: string, name: string): FileEntry => ({ id, name, kind: 'image', ext: 'jpg', sizeBytes: 1000, displayPath: name });

describe('an unreadable photo', () => {
  it('shows its error instead of spinning, disables the slider and zoom, and is not exported', async () => {
    const f = new FakeApi();
    f.handlers.addFiles = () => ({ added: [entry('bad', 'broken.jpg')], rejected: [] });
    f.handlers.getThumbnail = () => {
      throw new Error('[decode-failed] Input buffer contains unsupported image format');
    };
    const app = new HushApp();
    app.api = f.api;
    await app.addFiles([new File([new Uint8Array([1, 2, 3])], 'broken.jpg')]);
    await new Promise((r) => setTimeout(r, 10));
    const item = app.selected;
    expect(item?.loadError).toMatch(/unsupported image format/);
    render(ImageStage, { app, item: item!, session: app.imageSession });
    await tick();

    const alert = screen.getByTestId('image-load-error');
    expect(alert.textContent).toMatch(/unsupported image format/);
    expect(screen.queryByText(/Loading…|Waiting for the first preview/)).toBeNull();
    expect(screen.getByRole('slider').getAttribute('aria-disabled')).toBe('true');
    expect(screen.queryByTestId('zoom-level')).toBeNull();
    expect(app.nextExport).toEqual([]);
    expect(app.unreadable.map((i) => i.entry.id)).toEqual(['bad']);
  });
});
