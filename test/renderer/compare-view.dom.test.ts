// Component test (happy-dom, see README.md): the compare view's checkerboard and After label
// (issue 12 item 9).
import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import CompareView from '../../renderer/src/components/CompareView.svelte';
import { Viewport } from '../../renderer/src/lib/viewport.svelte.ts';

const canvas = (): HTMLCanvasElement => document.createElement('canvas');
const base = { viewport: new Viewport(), width: 400, height: 300, mode: 'split' as const };

describe('CompareView', () => {
  it('no checkerboard behind an opaque photo; one behind a photo with alpha', () => {
    const { container, unmount } = render(CompareView, { ...base, before: canvas(), after: canvas() });
    expect(container.querySelector('.pane')?.classList.contains('checker')).toBe(false);
    unmount();
    const r = render(CompareView, { ...base, before: canvas(), after: canvas(), alpha: true });
    expect(r.container.querySelector('.pane')?.classList.contains('checker')).toBe(true);
  });

  it('no "After" label while nothing is denoised yet', () => {
    render(CompareView, { ...base, before: canvas(), after: null, busy: true, busyText: 'Denoising…' });
    expect(screen.queryByTestId('after-label')).toBeNull();
  });

  it('the "After" label once denoised pixels are there', () => {
    render(CompareView, { ...base, before: canvas(), after: canvas() });
    expect(screen.getByTestId('after-label').textContent).toBe('After');
  });
});
