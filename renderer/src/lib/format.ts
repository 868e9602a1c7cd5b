// Small, locale-aware formatting helpers shared by the views.

export function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return '< 1 s';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s.toString().padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${(m % 60).toString().padStart(2, '0')} min`;
}

/** A measured time in milliseconds, the way people read it: "420 ms", "4.2 s", "1 min 03 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms / 1000);
}

/** What a TF.js backend name means to a user: the device it computes on (the name goes in a tooltip). */
export function backendDevice(backend: string): 'GPU' | 'CPU' {
  return /gpu|webgl|cuda/i.test(backend) ? 'GPU' : 'CPU';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Apply a name pattern like `{name}-denoised` to a file name (without its extension). */
export function applyNamePattern(pattern: string, name: string, index: number): string {
  const stem = name.replace(/\.[^.]+$/, '');
  return pattern.replaceAll('{name}', stem).replaceAll('{n}', String(index + 1).padStart(3, '0'));
}
