import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The shipped page carries a strict CSP (no inline scripts or styles). Vite's dev server injects
 * its client and hot-reloaded styles inline, so only while serving is the policy relaxed.
 */
function devCsp(): Plugin {
  return {
    name: 'hush-dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace(
        /<meta http-equiv="Content-Security-Policy"[^>]*>/,
        `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self' ws: http://127.0.0.1:* http://localhost:*">`,
      );
    },
  };
}

export default defineConfig({
  root: `${here}renderer`,
  // Relative asset URLs so the built page also loads from file:// inside Electron.
  base: './',
  plugins: [svelte(), devCsp()],
  build: {
    outDir: `${here}dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Everything is local: never inline assets as data: URLs the CSP would have to allow.
    assetsInlineLimit: 0,
  },
  server: {
    host: '127.0.0.1',
    fs: { allow: [here] },
  },
});
