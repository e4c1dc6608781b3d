/**
 * The same small notes API three times — Fastify, Express, plain node:http — each protected by
 * one resource server, on free ports, for the end-to-end tests against a real Gatehouse.
 *
 *   GET  /notes  needs read        POST /notes  needs write
 *   GET  /me     any valid token    GET  /either needs read or admin
 *
 * Each answers 200 with the AccessInfo as JSON.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { requireAnyScope, requireScope, type ResourceServer } from '../../src/resource/index.js';

export interface ProtectedApi {
  name: 'fastify' | 'express' | 'node';
  url: string;
  close(): Promise<void>;
}

const read = requireScope('read');
const write = requireScope('write');
const either = requireAnyScope('read', 'admin');

async function fastifyApi(rs: ResourceServer): Promise<ProtectedApi> {
  const app = Fastify();
  app.get('/notes', { preHandler: rs.fastify(read) }, async (request) => request.gatehouse);
  app.post('/notes', { preHandler: rs.fastify(write) }, async (request) => request.gatehouse);
  app.get('/me', { preHandler: rs.fastify() }, async (request) => request.gatehouse);
  app.get('/either', { preHandler: rs.fastify(either) }, async (request) => request.gatehouse);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    name: 'fastify',
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
}

function expressApi(rs: ResourceServer): Promise<ProtectedApi> {
  const app = express();
  app.get('/notes', rs.express(read), (req, res) => res.json(req.gatehouse));
  app.post('/notes', rs.express(write), (req, res) => res.json(req.gatehouse));
  app.get('/me', rs.express(), (req, res) => res.json(req.gatehouse));
  app.get('/either', rs.express(either), (req, res) => res.json(req.gatehouse));
  return listen('express', createServer(app));
}

function nodeApi(rs: ResourceServer): Promise<ProtectedApi> {
  const json = (res: ServerResponse, value: unknown) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    'GET /notes': rs.node(read, (_req, res, access) => json(res, access)),
    'POST /notes': rs.node(write, (_req, res, access) => json(res, access)),
    'GET /me': rs.node((_req, res, access) => json(res, access)),
    'GET /either': rs.node(either, (_req, res, access) => json(res, access)),
  };
  return listen(
    'node',
    createServer((req, res) => {
      const route = routes[`${req.method} ${req.url?.split('?')[0]}`];
      if (route) route(req, res);
      else res.writeHead(404).end();
    }),
  );
}

async function listen(name: ProtectedApi['name'], server: Server): Promise<ProtectedApi> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The three APIs, all guarded by `rs`. */
export function startProtectedApis(rs: ResourceServer): Promise<ProtectedApi[]> {
  return Promise.all([fastifyApi(rs), expressApi(rs), nodeApi(rs)]);
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  json: any;
}

/** A request to a protected API, with the token (if any) as a Bearer header. */
export async function callApi(url: string, token?: string, init: RequestInit = {}): Promise<ApiAnswer> {
  const response = await fetch(url, {
    ...init,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(init.headers as Record<string, string> | undefined),
    },
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json };
}
