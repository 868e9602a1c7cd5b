#!/usr/bin/env node
// `hush` command: registers tsx so the TypeScript sources run as they are (no build step), then
// hands over to the CLI. Works as `npx hush …` and `npm run hush -- …` from a fresh checkout.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
