import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { connectRest, type RestConnectOptions } from '../../../plugin/shared/kube-rest.js';

/** Header lines as sent (repeated headers stay separate). */
function headerLines(req: IncomingMessage, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === name.toLowerCase())
      out.push(req.rawHeaders[i + 1] ?? '');
  }
  return out;
}

describe('plugin/shared/kube-rest: kubeconfig, auth and impersonation without client-node', () => {
  let server: Server;
  let url: string;
  let seen: IncomingMessage[];
  let dir: string;

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      res.setHeader('content-type', 'application/json');
      res.end('{"kind":"Status","status":"Success"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());
  beforeEach(() => {
    seen = [];
    dir = mkdtempSync(join(tmpdir(), 'kube-rest-'));
  });

  function kubeconfig(file: string, user: object, extra: object = {}): string {
    const path = join(dir, file);
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'local', cluster: { server: url } }],
        users: [{ name: 'me', user }],
        contexts: [{ name: 'ctx', context: { cluster: 'local', user: 'me' } }],
        'current-context': 'ctx',
        ...extra,
      }),
    );
    return path;
  }

  async function send(
    options: RestConnectOptions,
    env: Record<string, string> = {},
  ): Promise<IncomingMessage> {
    const client = await connectRest(options, { HOME: dir, ...env });
    try {
      const res = await client.request({
        method: 'GET',
        path: '/api/v1/namespaces',
        query: { labelSelector: 'a=b' },
      });
      expect(res.status).to.equal(200);
    } finally {
      client.close();
    }
    const req = seen[seen.length - 1];
    if (!req) throw new Error('no request arrived');
    return req;
  }

  it('sends the token and the kubeconfig impersonation, one header line per group', async () => {
    const file = kubeconfig('config', { token: 'secret', as: 'jane', 'as-groups': ['g1', 'g2'] });
    const req = await send({ kubeconfig: file });
    expect(req.url).to.equal('/api/v1/namespaces?labelSelector=a%3Db');
    expect(req.headers.authorization).to.equal('Bearer secret');
    expect(headerLines(req, 'Impersonate-User')).to.deep.equal(['jane']);
    expect(headerLines(req, 'Impersonate-Group')).to.deep.equal(['g1', 'g2']);
  });

  it('--as and --as-group replace the kubeconfig impersonation; --as-group alone is refused', async () => {
    const file = kubeconfig('config', { token: 't', as: 'jane', 'as-groups': ['old'] });
    const req = await send({ kubeconfig: file, as: 'bob', asGroups: ['x', 'y', 'z'] });
    expect(headerLines(req, 'Impersonate-User')).to.deep.equal(['bob']);
    expect(headerLines(req, 'Impersonate-Group')).to.deep.equal(['x', 'y', 'z']);
    const plain = kubeconfig('plain', { token: 't' });
    let message = '';
    await connectRest({ kubeconfig: plain, asGroups: ['x'] }, {}).catch(
      (e: Error) => (message = e.message),
    );
    expect(message).to.equal(
      '--as-group requires --as (the API server impersonates a user, not groups alone)',
    );
  });

  it('reads tokenFile relative to its kubeconfig, and basic auth', async () => {
    writeFileSync(join(dir, 'token.txt'), 'from-file\n');
    const req = await send({ kubeconfig: kubeconfig('config', { tokenFile: 'token.txt' }) });
    expect(req.headers.authorization).to.equal('Bearer from-file');
    const basic = await send({ kubeconfig: kubeconfig('basic', { username: 'u', password: 'p' }) });
    expect(basic.headers.authorization).to.equal(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('merges $KUBECONFIG like kubectl: first definition and first current-context win', async () => {
    const first = kubeconfig('first', { token: 'first' }, { 'current-context': '' });
    const second = kubeconfig('second', { token: 'second' });
    const req = await send({}, { KUBECONFIG: `${join(dir, 'missing')}:${first}:${second}` });
    expect(req.headers.authorization).to.equal('Bearer first');
  });

  it('falls back to client-node for exec credential plugins', async () => {
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-exec' },
    });
    const file = kubeconfig(
      'exec',
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`],
          interactiveMode: 'Never',
        },
      },
      // client-node refuses plain http otherwise (the test server has no TLS).
      { clusters: [{ name: 'local', cluster: { server: url, 'insecure-skip-tls-verify': true } }] },
    );
    const req = await send({ kubeconfig: file, as: 'imp', asGroups: ['a', 'b'] });
    expect(req.headers.authorization).to.equal('Bearer from-exec');
    expect(headerLines(req, 'Impersonate-Group')).to.deep.equal(['a', 'b']);
  });

  it('names what was tried when something is missing or unreachable', async () => {
    const failure = async (
      options: RestConnectOptions,
      env: Record<string, string> = {},
    ): Promise<string> => {
      try {
        const c = await connectRest(options, { HOME: dir, ...env });
        await c.request({ method: 'GET', path: '/' }).finally(() => c.close());
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected a failure');
    };
    const file = kubeconfig('config', { token: 't' });
    expect(await failure({ kubeconfig: file, context: 'nope' })).to.equal(
      `context "nope" not found in kubeconfig ${file}`,
    );
    expect(await failure({ kubeconfig: join(dir, 'absent') })).to.equal(
      `kubeconfig ${join(dir, 'absent')} does not exist`,
    );
    expect(await failure({}, { KUBECONFIG: join(dir, 'a') })).to.equal(
      `no kubeconfig found: $KUBECONFIG=${join(dir, 'a')} (none of the files exists)`,
    );
    const noCurrent = kubeconfig('nocurrent', { token: 't' }, { 'current-context': '' });
    expect(await failure({ kubeconfig: noCurrent })).to.equal(
      `no current context in kubeconfig ${noCurrent}: pass --context NAME`,
    );
    const refused = join(dir, 'refused');
    writeFileSync(
      refused,
      stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    expect(await failure({ kubeconfig: refused })).to.equal(
      `cannot reach the API server https://127.0.0.1:1 (context "x" of kubeconfig ${refused}): connection refused (is the API server running?)`,
    );
  });
});
