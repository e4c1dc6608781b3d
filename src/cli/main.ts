#!/usr/bin/env node
import { runGatehouse } from './program.js';

// `gatehouse … | head`: the reader left; what it did not read is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });

const code = await runGatehouse(process.argv.slice(2));
// A failure exits at once, whatever it left open (a pool, a timer); success lets the process end
// by itself, or keeps serving.
if (code !== 0) process.exit(code);
