#!/usr/bin/env node
// Runs bin/pegasus.ts through tsx, so `npx pegasus` works in a checkout without a build.
import { register } from 'tsx/esm/api';

register();
await import('./pegasus.ts');
