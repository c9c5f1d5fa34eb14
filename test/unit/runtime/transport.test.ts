import { createServer, type Server } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { KubeClient, RequestCounter, apiErrorCode } from '../../../controller/runtime/kube.js';
import { createCA } from '../../harness/pki.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly socket: number;
}

/** KubeClient.request over the direct transport, against a local HTTPS server. */
describe('KubeClient.request (direct node:https transport)', function () {
  this.timeout(20_000);
  let server: Server;
  let seen: Seen[] = [];
  let sockets = 0;
  /** Tokens the server accepts; requests with another one get 401. */
  let validToken = 'token-1';
  let kubeConfig: KubeConfig;
  let token = 'token-1';
  /** Rotates the kubeconfig user's token in place (client-node's types make it read-only). */
  const setToken = (t: string): void => {
    (kubeConfig.getCurrentUser() as { token?: string }).token = t;
  };

  before(async () => {
    const ca = createCA();
    const serving = ca.sign({
      commonName: 'localhost',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const socket = (req.socket as unknown as { id?: number }).id ?? -1;
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          socket,
        });
        if (req.headers.authorization !== `Bearer ${validToken}`) {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', code: 401, message: 'Unauthorized' }));
          return;
        }
        if (req.url?.startsWith('/missing')) {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', code: 404, message: 'not found' }));
          return;
        }
        if (req.url?.startsWith('/slow')) {
          setTimeout(() => res.end('{}'), 2_000);
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ok: true, url: req.url }));
      });
    });
    server.on('secureConnection', (s) => {
      (s as unknown as { id: number }).id = ++sockets;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [
        {
          name: 'local',
          server: `https://127.0.0.1:${port}`,
          caData: Buffer.from(ca.certPem).toString('base64'),
        },
      ],
      users: [{ name: 'u', token }],
      contexts: [{ name: 'c', cluster: 'local', user: 'u' }],
      currentContext: 'c',
    });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    seen = [];
    validToken = 'token-1';
    token = 'token-1';
    setToken(token);
  });

  it('sends the credentials, query, body and content type, and parses the answer', async () => {
    const counter = new RequestCounter();
    const client = new KubeClient(kubeConfig, { counter });
    const out = await client.request<{ ok: boolean; url: string }>({
      method: 'PATCH',
      path: '/api/v1/namespaces/a/configmaps/b',
      query: { fieldManager: 'x', force: true, dryRun: undefined },
      body: { data: { k: 'v' } },
      contentType: 'application/apply-patch+yaml',
    });
    client.close();
    expect(out).to.deep.equal({
      ok: true,
      url: '/api/v1/namespaces/a/configmaps/b?fieldManager=x&force=true',
    });
    const [req] = seen;
    expect(req?.headers.authorization).to.equal('Bearer token-1');
    expect(req?.headers['content-type']).to.equal('application/apply-patch+yaml');
    expect(req?.headers.accept).to.equal('application/json');
    expect(JSON.parse(req?.body ?? '')).to.deep.equal({ data: { k: 'v' } });
    expect(counter.count()).to.equal(1);
    expect(counter.writes({ code: '200' })).to.equal(1);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const client = new KubeClient(kubeConfig);
    const before = sockets;
    for (let i = 0; i < 10; i++) await client.request({ method: 'GET', path: `/x/${i}` });
    client.close();
    expect(sockets - before).to.equal(1);
    expect(new Set(seen.map((s) => s.socket)).size).to.equal(1);
  });

  it('throws an ApiException with the status and the server message', async () => {
    const client = new KubeClient(kubeConfig);
    const err = await client.request({ method: 'GET', path: '/missing' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    client.close();
    expect(apiErrorCode(err)).to.equal(404);
    expect((err as Error).message).to.contain('GET /missing failed with HTTP 404');
    expect((err as { body?: { message?: string } }).body?.message).to.equal('not found');
  });

  it('resolves the credentials again after a 401 and retries once (a rotated token)', async () => {
    const client = new KubeClient(kubeConfig);
    await client.request({ method: 'GET', path: '/a' });
    validToken = 'token-2';
    setToken('token-2');
    await client.request({ method: 'GET', path: '/b' });
    client.close();
    expect(seen.map((s) => [s.url, s.headers.authorization])).to.deep.equal([
      ['/a', 'Bearer token-1'],
      ['/b', 'Bearer token-1'],
      ['/b', 'Bearer token-2'],
    ]);
  });

  it('leaves a kubeconfig it cannot serve (plain HTTP) to client-node, counted the same way', async () => {
    const plain = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const { accept, 'content-type': type } = req.headers;
        res.end(
          JSON.stringify({ via: 'plain', method: req.method, url: req.url, accept, type, body }),
        );
      });
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [
          {
            name: 'plain',
            server: `http://127.0.0.1:${(plain.address() as AddressInfo).port}`,
            skipTLSVerify: true,
          },
        ],
        users: [{ name: 'u', token: 't' }],
        contexts: [{ name: 'c', cluster: 'plain', user: 'u' }],
        currentContext: 'c',
      });
      const counter = new RequestCounter();
      const client = new KubeClient(kc, { counter });
      const out = await client.request({ method: 'GET', path: '/api/v1/x', query: { a: 1 } });
      const patched = await client.request({
        method: 'PATCH',
        path: '/api/v1/x',
        query: { fieldManager: 'm', skipped: undefined },
        body: { spec: { n: 1 } },
        contentType: 'application/merge-patch+json',
      });
      client.close();
      expect(out).to.deep.include({ method: 'GET', url: '/api/v1/x?a=1', body: '' });
      expect(out).to.deep.include({ via: 'plain', accept: 'application/json' });
      expect(patched).to.deep.equal({
        via: 'plain',
        method: 'PATCH',
        url: '/api/v1/x?fieldManager=m',
        accept: 'application/json',
        type: 'application/merge-patch+json',
        body: '{"spec":{"n":1}}',
      });
      expect(counter.count()).to.equal(2);
    } finally {
      plain.closeAllConnections();
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });

  it('aborts a request in flight when its signal aborts', async () => {
    const client = new KubeClient(kubeConfig);
    const ac = new AbortController();
    const p = client.request({ method: 'GET', path: '/slow', signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await p.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    client.close();
    expect(err?.name).to.equal('AbortError');
  });
});
