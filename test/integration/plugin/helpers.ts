/**
 * Drives the real `kubectl tenant` executable through kubectl: `plugin/bin` and the plane's
 * kubectl first on PATH, KUBECONFIG set to the identity under test. Needs `npm run build`.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { KubeClient } from '../../../controller/runtime/kube.js';
import type { Tenant } from '../../../crds/index.js';
import { installCRDs } from '../../harness/crds.js';
import { getPlane } from '../../harness/shared.js';

const ROOT = resolve(import.meta.dirname, '../../..');
/** `plugin/bin`, where kubectl finds `kubectl-tenant` and `kubectl_complete-tenant`. */
export const PLUGIN_BIN = resolve(ROOT, 'plugin/bin');
export const TENANTS = '/apis/tenantry.io/v1alpha1/tenants';
export const NAMESPACES = '/api/v1/namespaces';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** What a process did. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails fast when the bundle is missing, and installs the CRDs. */
export async function preparePlugin(): Promise<void> {
  if (!existsSync(resolve(ROOT, 'dist/kubectl-tenant.mjs'))) {
    throw new Error('dist/kubectl-tenant.mjs is missing: run `npm run build` first');
  }
  await installCRDs(getPlane().kubeConfig());
}

function kubectlDir(): string {
  const kubectl = getPlane().plane.binaries.kubectl;
  return isAbsolute(kubectl) ? dirname(kubectl) : '';
}

/** The child environment: plugin/bin, then kubectl's directory, then the inherited PATH. */
export function pluginEnv(kubeconfig: string): NodeJS.ProcessEnv {
  const path = [PLUGIN_BIN, kubectlDir(), process.env.PATH ?? ''].filter((p) => p !== '');
  return { ...process.env, PATH: path.join(':'), KUBECONFIG: kubeconfig };
}

/** Runs a command with the plugin environment; `input` goes to stdin. */
export function exec(
  command: string,
  args: readonly string[],
  kubeconfig: string,
  input?: string,
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args], { env: pluginEnv(kubeconfig), cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** `kubectl tenant ARGS` as the identity of `kubeconfig`. */
export function kt(kubeconfig: string, ...args: string[]): Promise<Run> {
  return exec('kubectl', ['tenant', ...args], kubeconfig);
}

/** Like {@link kt}, and asserts exit code 0. */
export async function ktOk(kubeconfig: string, ...args: string[]): Promise<string> {
  const r = await kt(kubeconfig, ...args);
  expect(
    r.code,
    `kubectl tenant ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  ).to.equal(0);
  return r.stdout;
}

/** Like {@link kt}, and asserts a failure with one `error: …` line on stderr; returns it. */
export async function ktFails(kubeconfig: string, ...args: string[]): Promise<string> {
  const r = await kt(kubeconfig, ...args);
  expect(r.code, `kubectl tenant ${args.join(' ')} should fail\nstdout: ${r.stdout}`).to.not.equal(
    0,
  );
  const lines = r.stderr.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  expect(last, r.stderr).to.match(/^error: /);
  return last;
}

/** The plane's admin as an API client (setup and assertions). */
export function admin(): KubeClient {
  return new KubeClient(getPlane().kubeConfig());
}

/** Reads a Tenant as admin. */
export function readTenant(name: string): Promise<Tenant> {
  return admin().request<Tenant>({ method: 'GET', path: `${TENANTS}/${name}` });
}

/** Creates a Tenant as admin. */
export function createTenant(name: string, spec: Partial<Tenant['spec']>): Promise<Tenant> {
  return admin().request<Tenant>({
    method: 'POST',
    path: TENANTS,
    body: { apiVersion: 'tenantry.io/v1alpha1', kind: 'Tenant', metadata: { name }, spec },
  });
}

/** Creates a namespace that belongs to `tenant` (label + ownerReference), as the controller would. */
export async function createTenantNamespace(name: string, tenant: Tenant): Promise<void> {
  await admin().request({
    method: 'POST',
    path: NAMESPACES,
    body: {
      metadata: {
        name,
        labels: { 'tenantry.io/tenant': tenant.metadata.name },
        ownerReferences: [
          {
            apiVersion: 'tenantry.io/v1alpha1',
            kind: 'Tenant',
            name: tenant.metadata.name,
            uid: tenant.metadata.uid,
          },
        ],
      },
    },
  });
}

/** Writes `status.namespaces` as the Tenant controller would (for suites without it). */
export async function setStatusNamespaces(tenant: string, namespaces: string[]): Promise<void> {
  await admin().request({
    method: 'PATCH',
    path: `${TENANTS}/${tenant}/status`,
    body: { status: { state: 'Active', size: namespaces.length, namespaces } },
    contentType: 'application/merge-patch+json',
  });
}

/** A ClusterRole + ClusterRoleBinding for one user. */
export async function clusterGrant(name: string, rules: object[], user: string): Promise<void> {
  const c = admin();
  await c.request({
    method: 'POST',
    path: `${RBAC}/clusterroles`,
    body: { metadata: { name }, rules },
  });
  await c.request({
    method: 'POST',
    path: `${RBAC}/clusterrolebindings`,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
    },
  });
}

/** Binds ClusterRole `role` to a user in `namespace` (a RoleBinding). */
export async function namespaceGrant(namespace: string, role: string, user: string): Promise<void> {
  await admin().request({
    method: 'POST',
    path: `${RBAC}/namespaces/${namespace}/rolebindings`,
    body: {
      metadata: { name: `${role}-${user}`.replace(/[^a-z0-9-]/g, '-').slice(0, 60) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
    },
  });
}

/** Deletes tenants and namespaces, ignoring the ones already gone. */
export async function cleanup(
  tenants: readonly string[],
  namespaces: readonly string[],
): Promise<void> {
  const c = admin();
  for (const ns of namespaces) {
    await c.request({ method: 'DELETE', path: `${NAMESPACES}/${ns}` }).catch(() => undefined);
  }
  for (const t of tenants) {
    await c.request({ method: 'DELETE', path: `${TENANTS}/${t}` }).catch(() => undefined);
  }
}
