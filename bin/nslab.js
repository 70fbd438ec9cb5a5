#!/usr/bin/env node
// The nslab command. Runs the TypeScript sources through tsx, so a fresh `npm ci` is enough.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
await import('../server/cli/main.ts');
