import { expect } from 'chai';
import { Registry } from 'prom-client';
import { ApiException } from '@kubernetes/client-node';
import {
  RequestCounter,
  apiErrorCode,
  apiErrorMessage,
  describeRequest,
  isConflict,
  isGone,
  isNotFound,
} from '../../../controller/runtime/kube.js';
import { runtimeMetrics } from '../../../controller/runtime/metrics.js';

const S = 'https://127.0.0.1:6443';

describe('runtime/kube', () => {
  describe('describeRequest', () => {
    const cases: [string, string, string, { verb: string; resource: string }][] = [
      ['GET', '/api/v1/namespaces', '', { verb: 'list', resource: 'namespaces' }],
      ['GET', '/api/v1/namespaces/a', '', { verb: 'get', resource: 'namespaces' }],
      [
        'PUT',
        '/api/v1/namespaces/a/finalize',
        '',
        { verb: 'update', resource: 'namespaces/finalize' },
      ],
      ['GET', '/api/v1/namespaces/a/configmaps', '', { verb: 'list', resource: 'configmaps' }],
      [
        'GET',
        '/api/v1/namespaces/a/configmaps?watch=true',
        '',
        { verb: 'watch', resource: 'configmaps' },
      ],
      ['POST', '/api/v1/namespaces/a/configmaps', '', { verb: 'create', resource: 'configmaps' }],
      [
        'PATCH',
        '/api/v1/namespaces/a/configmaps/c?fieldManager=x',
        'application/apply-patch+yaml',
        { verb: 'apply', resource: 'configmaps' },
      ],
      [
        'PATCH',
        '/apis/tenantry.io/v1alpha1/tenants/t/status',
        'application/merge-patch+json',
        { verb: 'patch', resource: 'tenants/status' },
      ],
      [
        'DELETE',
        '/api/v1/namespaces/a/secrets',
        '',
        { verb: 'deletecollection', resource: 'secrets' },
      ],
      ['DELETE', '/api/v1/namespaces/a/secrets/s', '', { verb: 'delete', resource: 'secrets' }],
      ['GET', '/apis/coordination.k8s.io/v1', '', { verb: 'list', resource: 'discovery' }],
      ['GET', '/version', '', { verb: 'get', resource: 'nonresource' }],
    ];
    for (const [method, path, ct, want] of cases) {
      it(`${method} ${path} → ${want.verb} ${want.resource}`, () => {
        expect(describeRequest(method, S + path, ct)).to.deep.equal(want);
      });
    }
  });

  describe('RequestCounter', () => {
    it('counts by any field, separates writes, and feeds rest_client_requests_total', async () => {
      const registry = new Registry();
      const counter = new RequestCounter({ metrics: runtimeMetrics(registry) });
      counter.record({ method: 'GET', verb: 'list', resource: 'configmaps', code: '200' });
      counter.record({ method: 'PATCH', verb: 'apply', resource: 'configmaps', code: '200' });
      counter.record({ method: 'PATCH', verb: 'apply', resource: 'configmaps', code: '409' });
      counter.record({ method: 'DELETE', verb: 'delete', resource: 'secrets', code: '<error>' });
      expect(counter.count()).to.equal(4);
      expect(counter.count({ resource: 'configmaps' })).to.equal(3);
      expect(counter.writes()).to.equal(3);
      expect(counter.writes({ resource: 'configmaps', code: '200' })).to.equal(1);
      expect(counter.snapshot()).to.deep.equal({
        'list configmaps': 1,
        'apply configmaps': 2,
        'delete secrets': 1,
      });
      const text = await registry.metrics();
      expect(text).to.include('rest_client_requests_total{method="PATCH",code="409"} 1');
      counter.reset();
      expect(counter.count()).to.equal(0);
    });
  });

  describe('error helpers', () => {
    it('read the status of ApiException and of watch errors', () => {
      expect(isNotFound(new ApiException(404, 'x', {}, {}))).to.equal(true);
      expect(isConflict(new ApiException(409, 'x', {}, {}))).to.equal(true);
      expect(isGone(Object.assign(new Error('Gone'), { statusCode: 410 }))).to.equal(true);
      expect(apiErrorCode(new Error('plain'))).to.equal(undefined);
    });

    it("take the API server's Status message, else the error's own text", () => {
      const status = { kind: 'Status', message: 'secrets is forbidden: User "x" cannot list' };
      expect(apiErrorMessage(new ApiException(403, 'HTTP 403', status, {}))).to.equal(
        status.message,
      );
      // A proxy's HTML page: no Status in the body, so the exception's own text (which quotes it).
      const proxy = apiErrorMessage(new ApiException(502, 'HTTP 502', '<html>', {}));
      expect(proxy).to.include('HTTP 502').and.to.include('<html>');
      expect(apiErrorMessage(new Error('plain'))).to.equal('plain');
      expect(apiErrorMessage('text')).to.equal('text');
      expect(apiErrorMessage(null)).to.equal('null');
    });
  });

  describe('runtimeMetrics', () => {
    it('registers only on the given registry, once per registry', async () => {
      const registry = new Registry();
      expect(runtimeMetrics(registry)).to.equal(runtimeMetrics(registry));
      const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
      expect(names).to.include.members([
        'controller_runtime_reconcile_total',
        'controller_runtime_reconcile_time_seconds',
        'workqueue_depth',
        'workqueue_adds_total',
        'workqueue_retries_total',
        'rest_client_requests_total',
      ]);
    });
  });
});
