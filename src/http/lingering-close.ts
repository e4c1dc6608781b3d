import type { Socket } from 'node:net';

/** After answering a request whose body was not read, how long its rest may still arrive (and be discarded) before the connection is cut. */
export const LINGER_MS = 5_000;

const lingering = new WeakSet<Socket>();

/**
 * A lingering close (RFC 9112 §9.6) for a connection answered before its request body was read
 * (413: body too large). Node ends such a connection (`Connection: close`) by destroying the
 * socket right after the response is written; the client, still sending its body, then gets a
 * TCP reset, which can throw away the response it had not read yet (it sees EPIPE or
 * ECONNRESET instead of the 413). Here the server half-closes instead (FIN after the response)
 * and keeps reading — Node's HTTP parser discards the rest of the body — until the client
 * closes its side, or for LINGER_MS at most (the request timeout bounds it too).
 */
export function lingerOnClose(socket: Socket): void {
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  // Node's http server calls destroySoon() once the last response of a `Connection: close`
  // connection is written; everything else (errors, timeouts, server.close()) still destroys.
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}
