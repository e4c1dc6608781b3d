import type { Server } from 'node:http';

export interface ProxyOptions {
  /** Base URLs of the nodes, e.g. http://127.0.0.1:8081. */
  upstreams: string[];
  /** Append to the client's X-Forwarded-* instead of replacing them (only behind another trusted proxy). */
  trustForwarded?: boolean;
  /** How long a node that refused a connection is skipped (ms, default 5000). */
  downMs?: number;
  /** GET /healthz of every node this often (ms, default 2000; 0: never). */
  healthIntervalMs?: number;
  connectTimeoutMs?: number;
  /** No response headers by then: 504 (ms, default 30000). */
  responseTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface UpstreamNode {
  base: string;
  hostname: string;
  port: number;
  /** Epoch ms until which the node is skipped; 0 when it is up. */
  downUntil: number;
}

export interface Proxy {
  server: Server;
  nodes: UpstreamNode[];
  /** Resolves with the port listened on. */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, lets requests in flight finish (at most graceMs), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

export function createProxy(options: ProxyOptions): Proxy;
