// What one SealedSecret status write costs the API server, by how it is sent (docs/benchmarks.md,
// "SealedSecret controller"): a PUT of the whole object (what the controller and Bitnami send), a
// PUT of metadata and status only (the API server keeps the stored spec either way), and a JSON
// merge patch. 300 SealedSecrets of 3 items each; the three ways take turns, 4 rounds, with 4
// writes in flight; kube-apiserver and etcd CPU per write from /proc/<pid>/stat.
// Run: npx tsx bench/status-write.ts [--count 300] [--rounds 4]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { KubeClient, type KubeObject } from '../controller/runtime/index.js';
import { ControlPlane } from '../test/harness/controlplane.js';
import { installCRDs } from '../test/harness/crds.js';
import { cpuSecondsOf } from './lib/proc.js';

const { values: args } = parseArgs({
  options: { count: { type: 'string', default: '300' }, rounds: { type: 'string', default: '4' } },
});
const COUNT = Number(args.count);
const ROUNDS = Number(args.rounds);
const PATH = '/apis/bitnami.com/v1alpha1/namespaces/default/sealedsecrets';
const log = (m: string): void => console.error(`[status-write] ${m}`);

type Write = (client: KubeClient, obj: KubeObject, status: unknown) => Promise<KubeObject>;

const WAYS: Record<string, Write> = {
  'PUT whole object': (client, obj, status) =>
    client.request({
      method: 'PUT',
      path: `${PATH}/${obj.metadata?.name ?? ''}/status`,
      body: { ...obj, status },
    }),
  'PUT metadata + status': (client, obj, status) =>
    client.request({
      method: 'PUT',
      path: `${PATH}/${obj.metadata?.name ?? ''}/status`,
      body: { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata, status },
    }),
  'merge patch': (client, obj, status) =>
    client.request({
      method: 'PATCH',
      path: `${PATH}/${obj.metadata?.name ?? ''}/status`,
      body: { metadata: { resourceVersion: obj.metadata?.resourceVersion }, status },
      contentType: 'application/merge-patch+json',
    }),
};

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** As an informer caches it: no managedFields. */
function cached(obj: KubeObject): KubeObject {
  const { managedFields: _stored, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}

async function setUp(client: KubeClient): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (let i = 0; i < COUNT; i++) {
    // An RSA-4096 item is 512 + 12 + 16 + value bytes, ~760 characters of base64.
    const encryptedData = Object.fromEntries(
      ['username', 'password', 'url'].map((k) => [k, randomBytes(560).toString('base64')]),
    );
    const created = await client.request<KubeObject>({
      method: 'POST',
      path: PATH,
      body: {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: `app-${i}` },
        spec: { encryptedData },
      },
    });
    objects.push(cached(created));
  }
  return objects;
}

async function main(): Promise<void> {
  const plane = await ControlPlane.start({ log });
  try {
    await installCRDs(plane.kubeConfig());
    const client = new KubeClient(plane.kubeConfig());
    let objects = await setUp(client);
    const [etcdPid, apiPid] = plane.componentPids();
    const perWrite: Record<string, { apiserver: number[]; etcd: number[] }> = {};
    let generation = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [way, write] of Object.entries(WAYS)) {
        // A new reason each time, so every write changes the status.
        const status = {
          observedGeneration: 1,
          conditions: [{ type: 'Synced', status: 'True', reason: `Round${++generation}` }],
        };
        const api0 = cpuSecondsOf(apiPid!);
        const etcd0 = cpuSecondsOf(etcdPid!);
        const written: KubeObject[] = new Array<KubeObject>(objects.length);
        let next = 0;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (next < objects.length) {
              const i = next++;
              written[i] = cached(await write(client, objects[i]!, status));
            }
          }),
        );
        objects = written;
        const entry = (perWrite[way] ??= { apiserver: [], etcd: [] });
        entry.apiserver.push(((cpuSecondsOf(apiPid!) - api0) * 1000) / COUNT);
        entry.etcd.push(((cpuSecondsOf(etcdPid!) - etcd0) * 1000) / COUNT);
      }
    }
    const result = Object.fromEntries(
      Object.entries(perWrite).map(([way, v]) => [
        way,
        {
          apiserverMsPerWrite: median(v.apiserver),
          etcdMsPerWrite: median(v.etcd),
          rounds: v.apiserver.map((x) => Number(x.toFixed(2))),
        },
      ]),
    );
    console.log(JSON.stringify({ count: COUNT, rounds: ROUNDS, result }, null, 2));
  } finally {
    await plane.stop();
  }
}

await main();
