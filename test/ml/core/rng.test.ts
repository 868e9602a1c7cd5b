import { describe, expect, it } from 'vitest';
import { Rng } from '../../../ml/core/rng.ts';

describe('Rng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(sa);
    expect(new Rng('run-a').uniform()).toBe(new Rng('run-a').uniform());
  });

  it('serialises its state (JSON round trip), including a pending Box–Muller deviate', () => {
    const r = new Rng(7);
    for (let i = 0; i < 5; i++) r.uniform();
    r.normal(); // leaves a spare
    const saved = JSON.parse(JSON.stringify(r.state())) as ReturnType<Rng['state']>;
    expect(saved.spare).not.toBeNull();
    const expected = [r.normal(), r.uniform(), r.int(1000), r.normal(), r.normal()];
    const restored = Rng.fromState(saved);
    expect([restored.normal(), restored.uniform(), restored.int(1000), restored.normal(), restored.normal()]).toEqual(expected);
  });

  it('draws uniform, integer and normal values with the right statistics', () => {
    const r = new Rng(1);
    const n = 200_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    const counts = new Array<number>(7).fill(0);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      counts[r.int(7)]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1);
    for (const c of counts) expect(Math.abs(c / n - 1 / 7)).toBeLessThan(0.005);
    const m = r.normal(5, 0.001);
    expect(Math.abs(m - 5)).toBeLessThan(0.01);
  });

  it('shuffles into a permutation and forks independent streams without advancing', () => {
    const r = new Rng(3);
    const p = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const before = r.state();
    const f1 = r.fork('noise');
    const f2 = r.fork('crops');
    expect(r.state()).toEqual(before);
    expect(f1.nextUint32()).not.toBe(f2.nextUint32());
    expect(r.fork('noise').nextUint32()).toBe(Rng.fromState(before).fork('noise').nextUint32());
    expect(() => r.int(0)).toThrow();
  });
});
