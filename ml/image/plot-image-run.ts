// Training curves of the shipped image DAE as one PNG: phase 1 (runs/image-dae-phase1.jsonl, the
// first 500 steps, on the trainer before it moved onto ml/core/train.ts) followed by phase 2
// (checkpoints/image-dae/log.jsonl, steps offset by the phase-1 length).
//   npx tsx ml/image/plot-image-run.ts [out.png]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { plotRunLog } from '../core/plot.ts';
import type { LogRecord } from '../core/run-log.ts';

const KEEP = ['loss', 'val_psnr_s15', 'val_psnr_s25', 'val_psnr_s50'];

async function jsonl(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export async function imageRunRecords(phase1 = 'runs/image-dae-phase1.jsonl', phase2 = 'checkpoints/image-dae/log.jsonl', phase1Steps = 500): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const take = (r: Record<string, unknown>, offset: number, maxStep: number): void => {
    if (typeof r.step !== 'number' || r.step > maxStep) return;
    const rec: Record<string, number> = { step: r.step + offset };
    for (const k of KEEP) if (typeof r[k] === 'number') rec[k] = r[k] as number;
    if (Object.keys(rec).length > 1) out.push(rec as LogRecord);
  };
  for (const r of await jsonl(phase1)) take(r, 0, phase1Steps);
  // Phase 2's step-0 validation re-measures the phase-1 weights; keep it (it is the hand-over point).
  for (const r of await jsonl(phase2)) take(r, phase1Steps, Infinity);
  return out;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? 'resources/models/image-dae/curves.png';
  const records = await imageRunRecords();
  await plotRunLog(records, out, { title: 'image-dae' });
  console.log(`${records.length} records → ${out}`);
}
