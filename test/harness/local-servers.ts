/**
 * Local HTTP(S) servers on 127.0.0.1 for the outbound fetcher's tests: each counts the connections
 * and requests it sees, so a test can say "refused without any connection being made".
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface LocalServer {
  readonly port: number;
  /** http://127.0.0.1:PORT/path (or https://). */
  url(path?: string, host?: string): string;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Requests received so far (method, url, headers). */
  readonly requests: IncomingMessage[];
  /** TLS server names (SNI) the client sent, one per TLS connection. */
  readonly serverNames: (string | false)[];
  close(): Promise<void>;
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A server answering with `handler`; over TLS with the given key and certificate. */
export async function localServer(handler: Handler, tls?: { key: string; cert: string }): Promise<LocalServer> {
  const requests: IncomingMessage[] = [];
  const serverNames: (string | false)[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    requests.push(request);
    handler(request, response);
  };
  const server = tls ? createTlsServer(tls, listener) : createServer(listener);
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: TLSSocket) => serverNames.push(socket.servername ?? false));
  // A client that gives up mid-handshake is what some tests do on purpose.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const scheme = tls ? 'https' : 'http';
  return {
    port,
    url: (path = '/', host = '127.0.0.1') => `${scheme}://${host}:${port}${path}`,
    get connections() {
      return connections;
    },
    requests,
    serverNames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers 200 with `body` as JSON and the given extra headers. */
export function json(body: unknown, headers: Record<string, string> = {}): Handler {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

/** A promise and the function that resolves it: a test lets a held response go when it chooses. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * A certificate for jwks.test (and its key), valid 2000–2099, self-signed: trusted only by a
 * fetcher given it as `ca`. Test material, no secret.
 */
export const jwksTestTls = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgB0hrJk9D6hotBjpX
D2UQCdKp+zntcEilftCPaY6Oq5ihRANCAAT2asjwoZwTnS3YWHvJRWfsfJnYf/kr
6sXVTIwEq1uHHQk37AhYdCJrsMhjgeoc86pBY3oAbRXBuoNLQTquAhJu
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBYTCCAQegAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlqd2tzLnRl
c3QwIBcNMDAwMTAxMDAwMDAwWhgPMjA5OTEyMzEwMDAwMDBaMBQxEjAQBgNVBAMM
CWp3a3MudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABPZqyPChnBOdLdhY
e8lFZ+x8mdh/+SvqxdVMjASrW4cdCTfsCFh0ImuwyGOB6hzzqkFjegBtFcG6g0tB
Oq4CEm6jSDBGMBQGA1UdEQQNMAuCCWp3a3MudGVzdDAPBgNVHRMBAf8EBTADAQH/
MB0GA1UdDgQWBBTDl+2u4+TZ25lJ06XaYkVxgjqm9zAKBggqhkjOPQQDAgNIADBF
AiAShzK8wCVwQo55sAYMyK0F6QS30Th7eaJY7EYBIzQTcAIhAL0oAzTMQ+Vbnszm
8E77yJBGjPP+gq9gADaGWJC3hAxV
-----END CERTIFICATE-----
`,
};
