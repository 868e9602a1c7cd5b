// Component test (happy-dom, see README.md): the strength slider's keyboard behaviour.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import StrengthSlider from '../../renderer/src/components/StrengthSlider.svelte';

// The root tsconfig sees .svelte files only as an ambient module, so the value type is spelled here.
type StrengthValue = number | 'auto';

function slider(value: StrengthValue, estimate?: number) {
  const inputs: StrengthValue[] = [];
  const changes: StrengthValue[] = [];
  render(StrengthSlider, { label: 'Strength', value, max: 75, unit: 'σ', estimate, oninput: (v: StrengthValue) => inputs.push(v), onchange: (v: StrengthValue) => changes.push(v) });
  return { el: screen.getByRole('slider'), inputs, changes };
}

describe('StrengthSlider keys', () => {
  it('steps from the estimate when leaving Auto, not from 0', async () => {
    const s = slider('auto', 18);
    await fireEvent.keyDown(s.el, { key: 'ArrowRight' });
    expect(s.changes).toEqual([19]);
  });

  it('PageUp from Auto also starts at the estimate', async () => {
    const s = slider('auto', 18);
    await fireEvent.keyDown(s.el, { key: 'PageUp' });
    expect(s.changes).toEqual([23]);
  });

  it('reports one settled value per key press (not oninput and onchange both)', async () => {
    const s = slider(10);
    await fireEvent.keyDown(s.el, { key: 'ArrowRight' });
    await fireEvent.keyDown(s.el, { key: 'ArrowLeft' });
    expect(s.inputs).toEqual([]);
    expect(s.changes).toEqual([11, 9]);
  });
});
