// API client overhead (docs/benchmarks.md, section "API client"): CPU per request of
// KubeClient.request against a bare keep-alive node:https request to the same API server, and
// what one request's authentication step costs on its own. Both controllers send every read and
// write through KubeClient.request, so this per-request cost multiplies with every write a
// reconcile makes (3,000 on a first unseal of 1,000 SealedSecrets).
// Run: npx tsx bench/client.ts [--requests 1000] [--rounds 5]
import https from 'node:https';
import { parseArgs } from 'node:util';
import { RequestContext, HttpMethod } from '@kubernetes/client-node';
import { KubeClient } from '../controller/runtime/index.js';
import { ControlPlane } from '../test/harness/controlplane.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
  },
});
const N = Number(args.requests);
const ROUNDS = Number(args.rounds);
const PATH = '/api/v1/namespaces/default';
const log = (m: string): void => console.error(`[client] ${m}`);

interface Sample {
  readonly cpuMsPerRequest: number;
  readonly wallMsPerRequest: number;
}

async function measure(n: number, one: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await one();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / n, wallMsPerRequest: wall / n };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A GET over a keep-alive agent with the kubeconfig's TLS material, body read as text. */
function bareGet(agent: https.Agent, url: URL): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: PATH,
        headers: { Accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as string));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const plane = await ControlPlane.start({ log });
  try {
    const kc = plane.kubeConfig();
    const client = new KubeClient(kc);
    const server = new URL(kc.getCurrentCluster()!.server);
    const ctx = new RequestContext(`${server.origin}${PATH}`, HttpMethod.GET);
    await kc.applySecurityAuthentication(ctx);
    const agent = new https.Agent({ ...(ctx.getAgent() as https.Agent).options, keepAlive: true });
    const rows: Record<string, Sample[]> = { client: [], bare: [], auth: [] };
    // Warm-up: JIT, connections.
    await measure(100, () => client.request({ method: 'GET', path: PATH }));
    await measure(100, () => bareGet(agent, server));
    for (let r = 0; r < ROUNDS; r++) {
      rows.client!.push(await measure(N, () => client.request({ method: 'GET', path: PATH })));
      rows.bare!.push(await measure(N, () => bareGet(agent, server)));
      rows.auth!.push(
        await measure(N, () =>
          kc.applySecurityAuthentication(
            new RequestContext(`${server.origin}${PATH}`, HttpMethod.GET),
          ),
        ),
      );
    }
    agent.destroy();
    client.close();
    const summary = Object.fromEntries(
      Object.entries(rows).map(([k, v]) => [
        k,
        {
          cpuMsPerRequest: +median(v.map((s) => s.cpuMsPerRequest)).toFixed(3),
          wallMsPerRequest: +median(v.map((s) => s.wallMsPerRequest)).toFixed(3),
        },
      ]),
    );
    const ratio = summary.client!.cpuMsPerRequest / summary.bare!.cpuMsPerRequest;
    console.log(
      JSON.stringify(
        { requests: N, rounds: ROUNDS, ...summary, cpuRatioClientToBare: +ratio.toFixed(2) },
        null,
        2,
      ),
    );
  } finally {
    await plane.stop();
  }
}

await main();
