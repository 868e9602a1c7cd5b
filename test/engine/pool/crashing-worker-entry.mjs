// A pool worker that dies (as a wasm abort or out-of-memory would) when handed a 12×12 tile.
import { tsImport } from 'tsx/esm/api';

const { serveWorker } = await tsImport('../../../main/engine/pool/pool-worker.ts', import.meta.url);
serveWorker({
  beforeRequest: (req) => {
    if (req.type === 'image' && req.width === 12 && req.height === 12) process.exit(3);
  },
});
