// JSON-lines run log: one object per line, e.g. {"step":200,"loss":0.0021,"lr":0.001,"val_psnr":29.1}.
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type LogRecord = { readonly step: number } & Readonly<Record<string, number | string | boolean | null>>;

export async function readRunLog(file: string): Promise<LogRecord[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const out: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as unknown;
      if (typeof r === 'object' && r !== null && typeof (r as { step?: unknown }).step === 'number') out.push(r as LogRecord);
    } catch {
      // A line cut short by a crash: skip it.
    }
  }
  return out;
}

export class RunLog {
  private constructor(readonly file: string) {}

  /**
   * Opens (creating) a log. With `resumeAtStep`, records logged after that step by an interrupted
   * run are dropped, so a resumed run does not log the same steps twice.
   */
  static async open(file: string, resumeAtStep?: number): Promise<RunLog> {
    await mkdir(path.dirname(file), { recursive: true });
    if (resumeAtStep !== undefined) {
      const kept = (await readRunLog(file)).filter((r) => r.step <= resumeAtStep);
      const tmp = `${file}.tmp-${process.pid}`;
      await writeFile(tmp, kept.map((r) => JSON.stringify(r) + '\n').join(''));
      await rename(tmp, file);
    } else {
      await appendFile(file, '');
    }
    return new RunLog(file);
  }

  async append(record: LogRecord): Promise<void> {
    await appendFile(this.file, JSON.stringify(record) + '\n');
  }

  read(): Promise<LogRecord[]> {
    return readRunLog(this.file);
  }
}
