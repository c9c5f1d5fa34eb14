import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { RequestContext, HttpMethod } from '@kubernetes/client-node';
import { expect } from 'chai';
import {
  exponentialDelay,
  jitteredDelay,
  randomBetween,
} from '../../../controller/runtime/backoff.js';
import { FakeClock, sleep } from '../../../controller/runtime/clock.js';
import { loadKubeConfig } from '../../../controller/runtime/kube.js';
import { createLogger, reconcileLogger } from '../../../controller/runtime/logging.js';
import { objectKey, splitKey, stripForCache } from '../../../controller/runtime/objects.js';
import { AgentPool } from '../../../controller/runtime/transport.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: {server: 'https://127.0.0.1:6443'}
- name: two
  cluster: {server: 'https://127.0.0.2:6443'}
users:
- name: u
  user: {token: t}
contexts:
- name: first
  context: {cluster: one, user: u}
- name: second
  context: {cluster: two, user: u}
current-context: first
`;

describe('runtime support', () => {
  describe('loadKubeConfig', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rt-kc-')), 'config');
    writeFileSync(file, KUBECONFIG);

    it('loads a file with its current context, or the context asked for', () => {
      expect(loadKubeConfig({ kubeconfig: file }).getCurrentCluster()?.server).to.equal(
        'https://127.0.0.1:6443',
      );
      expect(
        loadKubeConfig({ kubeconfig: file, context: 'second' }).getCurrentCluster()?.server,
      ).to.equal('https://127.0.0.2:6443');
    });

    it('refuses an unknown context', () => {
      expect(() => loadKubeConfig({ kubeconfig: file, context: 'third' })).to.throw(
        /no context "third"/,
      );
    });

    it('names the file it cannot read or parse', () => {
      const missing = join(tmpdir(), 'rt-kc-missing', 'config');
      expect(() => loadKubeConfig({ kubeconfig: missing })).to.throw(
        `Cannot load kubeconfig ${missing}: ENOENT`,
      );
      const broken = join(mkdtempSync(join(tmpdir(), 'rt-kc-')), 'config');
      writeFileSync(broken, 'clusters: [unclosed');
      expect(() => loadKubeConfig({ kubeconfig: broken })).to.throw(
        `Cannot load kubeconfig ${broken}:`,
      );
    });
  });

  describe('backoff', () => {
    it('doubles from the base, caps, and survives huge attempt counts', () => {
      const opts = { baseMs: 5, maxMs: 1_000_000 };
      expect([0, 1, 2, 3].map((n) => exponentialDelay(n, opts))).to.deep.equal([5, 10, 20, 40]);
      expect(exponentialDelay(30, opts)).to.equal(1_000_000);
      expect(exponentialDelay(1e9, opts)).to.equal(1_000_000);
    });

    it('adds up to 50 % jitter, and picks watch timeouts inside the range', () => {
      const opts = { baseMs: 100, maxMs: 1000 };
      expect(jitteredDelay(0, { ...opts, random: () => 0 })).to.equal(100);
      expect(jitteredDelay(0, { ...opts, random: () => 0.999 })).to.be.within(149, 150);
      expect(randomBetween(300_000, 600_000, () => 0)).to.equal(300_000);
      expect(randomBetween(300_000, 600_000, () => 0.9999)).to.be.below(600_000);
    });
  });

  describe('FakeClock and sleep', () => {
    it('fires timers in time order, including ones scheduled while advancing', () => {
      const clock = new FakeClock(0);
      const fired: string[] = [];
      clock.setTimeout(() => fired.push('b@20'), 20);
      clock.setTimeout(() => {
        fired.push('a@10');
        clock.setTimeout(() => fired.push('c@15'), 5);
      }, 10);
      clock.advance(20);
      expect(fired).to.deep.equal(['a@10', 'c@15', 'b@20']);
      expect(clock.now()).to.equal(20);
    });

    it('sleep resolves on time or at once on abort, leaving no timer', async () => {
      const clock = new FakeClock(0);
      const ac = new AbortController();
      let done = false;
      const p = sleep(clock, 1000, ac.signal).then(() => {
        done = true;
      });
      expect(clock.pendingTimers()).to.equal(1);
      ac.abort();
      await p;
      expect(done).to.equal(true);
      expect(clock.pendingTimers()).to.equal(0);
    });
  });

  describe('objects', () => {
    it('keys namespaced and cluster-scoped objects and splits keys back', () => {
      expect(objectKey({ metadata: { name: 'a', namespace: 'ns' } })).to.equal('ns/a');
      expect(objectKey({ metadata: { name: 'n' } })).to.equal('n');
      expect(splitKey('ns/a')).to.deep.equal({ namespace: 'ns', name: 'a' });
      expect(splitKey('n')).to.deep.equal({ name: 'n' });
      expect(() => objectKey({ metadata: {} })).to.throw(/no metadata.name/);
    });

    it('stripForCache leaves its input alone and objects without noise untouched', () => {
      const clean = { metadata: { name: 'a', annotations: { x: 'y' } } };
      expect(stripForCache(clean)).to.equal(clean);
      const noisy = {
        metadata: {
          name: 'a',
          managedFields: [{}],
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        },
      };
      const stripped = stripForCache(noisy);
      expect(stripped.metadata).to.deep.equal({ name: 'a' });
      expect(noisy.metadata.managedFields).to.have.length(1);
      expect(stripForCache(noisy, { keepLastApplied: true }).metadata).to.deep.equal({
        name: 'a',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      });
    });
  });

  describe('logging', () => {
    it('writes JSON lines with level labels and per-reconcile fields', () => {
      const lines: string[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _enc, cb): void {
          lines.push(chunk.toString());
          cb();
        },
      });
      const log = createLogger({ level: 'info', name: 'test', destination });
      reconcileLogger(log, { controller: 'tenant', key: 'acme' }).info('Reconciled Tenant');
      log.debug('not written at info');
      expect(lines).to.have.length(1);
      const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
      expect(line).to.include({
        level: 'info',
        name: 'test',
        controller: 'tenant',
        key: 'acme',
        msg: 'Reconciled Tenant',
      });
      expect(line['reconcileID']).to.match(/^[0-9a-f-]{36}$/);
    });
  });

  describe('AgentPool', () => {
    function request(opts: https.AgentOptions): RequestContext {
      const ctx = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
      ctx.setAgent(new https.Agent(opts));
      return ctx;
    }

    it('shares one keep-alive agent per TLS identity and renews it when the identity changes', () => {
      const pool = new AgentPool();
      const a = request({ cert: 'A', key: 'k' });
      const b = request({ cert: 'A', key: 'k' });
      pool.reuse(a);
      pool.reuse(b);
      const shared = a.getAgent() as https.Agent;
      expect(b.getAgent()).to.equal(shared);
      expect(shared.options.keepAlive).to.equal(true);
      const c = request({ cert: 'B', key: 'k' });
      pool.reuse(c);
      expect(c.getAgent()).to.not.equal(shared);
      pool.close();
    });
  });
});
