// Component tests (happy-dom, see README.md) for issue 12 item 9's wording: the engine chip says
// CPU/GPU (the TF.js backend in its tooltip), times read as people say them.
import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import EngineStatus from '../../renderer/src/components/EngineStatus.svelte';
import { backendDevice, formatMs } from '../../renderer/src/lib/format.ts';

describe('engine chip', () => {
  it('says CPU for the wasm backend, with the backend on hover', () => {
    render(EngineStatus, { status: { state: 'ready', backend: 'wasm (SIMD)', message: null, restarts: 0, at: 1 } });
    expect(screen.getByTestId('engine-device').textContent).toBe('CPU');
    expect(screen.getByTestId('engine-status').getAttribute('title')).toMatch(/CPU.*wasm \(SIMD\)/);
    expect(screen.getByTestId('engine-status').textContent).not.toMatch(/SIMD/);
  });
  it('says GPU for the CUDA backend', () => {
    expect(backendDevice('tensorflow (tfjs-node-gpu)')).toBe('GPU');
    expect(backendDevice('tensorflow')).toBe('CPU');
  });
});

describe('formatMs', () => {
  it('reads 42761 ms as 43 s and keeps short times in ms', () => {
    expect(formatMs(42761)).toBe('43 s');
    expect(formatMs(4276)).toBe('4.3 s');
    expect(formatMs(420.4)).toBe('420 ms');
    expect(formatMs(125_000)).toBe('2 min 05 s');
  });
});
