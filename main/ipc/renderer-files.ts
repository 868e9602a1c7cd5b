// Serving the built renderer (dist/renderer) is shared by both fronts: Electron's app:// protocol and
// the web bridge's HTTP server. Both use this one content-type table and the same rule that a
// request path may only name a file inside the renderer folder.
import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Content-Type for a renderer file (by extension; unknown ones are opaque bytes). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The file a decoded URL path (`/assets/x.js`) names inside `root`, or null when it would leave it. */
export function fileInside(root: string, urlPath: string): string | null {
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + urlPath);
  return file.startsWith(base + path.sep) ? file : null;
}
