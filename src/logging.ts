import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * One JSON line per event. Nothing Gatehouse logs carries a secret by construction: the
 * request line is built from chosen fields (no bodies, no headers, no query strings), and
 * test/e2e/secrets-not-logged.test.ts holds every log line against every secret it used.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'gatehouse' },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
