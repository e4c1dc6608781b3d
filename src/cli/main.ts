#!/usr/bin/env node
import { runGatehouse } from './program.js';

const code = await runGatehouse(process.argv.slice(2));
// A failure exits at once, whatever it left open (a pool, a timer); success lets the process end
// by itself, or keeps serving.
if (code !== 0) process.exit(code);
