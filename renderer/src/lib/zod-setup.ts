// Must be the first import of main.ts: zod decides per schema, when the schema is built, whether to
// compile a fast parser with `new Function` — which the CSP forbids (and reports as a violation).
import { z } from 'zod';

z.config({ jitless: true });
