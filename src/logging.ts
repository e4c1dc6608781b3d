import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * One JSON line per event. Nothing Gatehouse logs carries a secret by construction: the
 * request line is built from chosen fields (no bodies, no headers, no query strings), and
 * test/e2e/secrets-not-logged.test.ts holds every log line against every secret it used.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  if (destination) return pino({ level, base: { service: 'gatehouse' } }, destination);
  // Lines are written in 4 KiB batches (one write per ~15 requests instead of one each), and at
  // least every 250 ms so a quiet server's lines still show promptly. serve flushes on shutdown;
  // a crash (kill -9) may lose the last lines of the log, never a token.
  const stdout = pino.destination({ sync: false, minLength: 4096 });
  setInterval(() => stdout.flush(), 250).unref();
  return pino({ level, base: { service: 'gatehouse' } }, stdout);
}
