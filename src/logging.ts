import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * One JSON line per event. Nothing Gatehouse logs carries a secret by construction (no
 * bodies, no headers, no query strings); the redaction list is a second line of defence.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'gatehouse' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          '*.password',
          '*.client_secret',
          '*.refresh_token',
          '*.access_token',
          '*.code',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
