// Command-line → training config: `--config file.json` gives the base, then `--key value` pairs
// override it. Dotted keys reach nested fields (`--optimizer.lr 3e-4`); values are parsed as
// JSON where they look like it (numbers, true/false/null, {…}, […]), else kept as strings.
import { readFile } from 'node:fs/promises';

export type JsonObject = { [k: string]: unknown };

export function parseValue(raw: string): unknown {
  const t = raw.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  if (/^[[{"]/.test(t)) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      // not JSON after all: keep the text
    }
  }
  return raw;
}

export function setPath(obj: JsonObject, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  if (keys.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype')) throw new Error(`Bad option name --${dotted}`);
  let cur: JsonObject = obj;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as JsonObject;
  }
  cur[keys[keys.length - 1]] = value;
}

export interface ParsedArgs {
  readonly configFile?: string;
  readonly overrides: readonly (readonly [string, unknown])[];
  readonly help: boolean;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  let configFile: string | undefined;
  const overrides: [string, unknown][] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) throw new Error(`Unexpected argument '${a}' (options are --key value)`);
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let value: string;
    if (eq > 0) value = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    else value = 'true'; // a bare flag
    if (key === 'config') configFile = value;
    else overrides.push([key, parseValue(value)]);
  }
  return { ...(configFile !== undefined ? { configFile } : {}), overrides, help };
}

/** Base config from the file (or `defaultFile`), with the overrides applied. */
export async function loadConfig(args: ParsedArgs, defaultFile?: string): Promise<JsonObject> {
  const file = args.configFile ?? defaultFile;
  let base: JsonObject = {};
  if (file !== undefined) {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: a config must be a JSON object`);
    base = parsed as JsonObject;
  }
  const out = structuredClone(base);
  for (const [k, v] of args.overrides) setPath(out, k, v);
  return out;
}
