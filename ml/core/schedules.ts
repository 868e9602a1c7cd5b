// Learning-rate schedules: linear warm-up, then constant, cosine decay or step decay.

export type ScheduleSpec =
  | { readonly kind: 'constant'; readonly warmupSteps?: number }
  | { readonly kind: 'cosine'; readonly warmupSteps?: number; readonly totalSteps: number; readonly minLr?: number }
  | { readonly kind: 'step'; readonly warmupSteps?: number; readonly every: number; readonly gamma?: number; readonly minLr?: number };

/** Learning rate for the update made at `step` (0-based), given the peak/base rate `lr`. */
export function learningRateAt(step: number, lr: number, spec: ScheduleSpec): number {
  const warm = spec.warmupSteps ?? 0;
  if (step < warm) return (lr * (step + 1)) / warm;
  switch (spec.kind) {
    case 'constant':
      return lr;
    case 'cosine': {
      const min = spec.minLr ?? 0;
      const span = Math.max(1, spec.totalSteps - warm);
      const t = Math.min(1, (step - warm) / span);
      return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * t));
    }
    case 'step': {
      const k = Math.floor((step - warm) / Math.max(1, spec.every));
      return Math.max(spec.minLr ?? 0, lr * (spec.gamma ?? 0.1) ** k);
    }
    default:
      throw new Error(`Unknown schedule '${String((spec as { kind: unknown }).kind)}' (constant, cosine, step)`);
  }
}
