/**
 * A test host of the project's own: a network namespace joined to this one by a veth pair, with
 * one address inside it. The API server's service proxy refuses loopback endpoint addresses, so a
 * local process (the controller's /v1/cert.pem) is published at the namespace's address: a relay
 * inside the namespace accepts TCP there and hands each connection over a Unix socket to a relay
 * in this process, which connects to 127.0.0.1. The only IP traffic is to the test host's address;
 * nothing leaves the machine and no other address of the machine is used.
 *
 * Needs root and iproute2 (`ip netns`), which the CI machines have.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const RELAY = new URL('./relay.mjs', import.meta.url).pathname;

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
}

/** A network namespace with one address, reachable from this namespace. */
export class TestHost {
  private readonly relays: ChildProcess[] = [];
  private readonly servers: Server[] = [];
  private nextPort = 8080;
  private destroyed = false;

  private constructor(
    /** The namespace's name (`ip netns list`). */
    readonly name: string,
    /** The address inside the namespace. */
    readonly address: string,
    private readonly socketDir: string,
  ) {}

  /**
   * Creates the namespace and the veth pair (10.251.x.y/30).
   * @throws Error saying what is missing when not root or without iproute2
   */
  static create(socketDir: string): TestHost {
    if (process.getuid?.() !== 0) {
      throw new Error(
        'exposing a local port as a Service needs root (ip netns); the CI machines run as root',
      );
    }
    const id = randomBytes(3).toString('hex');
    const name = `tnty-${process.pid}-${id}`;
    const [host, peer] = [`tn${id}h`, `tn${id}n`];
    const bytes = randomBytes(2);
    const base = `10.251.${bytes[0] ?? 0}`;
    const block = ((bytes[1] ?? 0) % 64) * 4;
    try {
      ip(['netns', 'add', name]);
      ip(['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
      ip(['link', 'set', peer, 'netns', name]);
      ip(['addr', 'add', `${base}.${block + 1}/30`, 'dev', host]);
      ip(['link', 'set', host, 'up']);
      ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${base}.${block + 2}/30`, 'dev', peer]);
      ip(['netns', 'exec', name, 'ip', 'link', 'set', peer, 'up']);
      ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    } catch (err) {
      try {
        ip(['netns', 'del', name]);
      } catch {
        // nothing was created
      }
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`could not create test network namespace ${name}: ${stderr ?? String(err)}`);
    }
    return new TestHost(name, `${base}.${block + 2}`, socketDir);
  }

  /** Publishes 127.0.0.1:`port` at `address`:<returned port>. */
  async forward(port: number): Promise<number> {
    const listenPort = this.nextPort++;
    const socketPath = join(this.socketDir, `relay-${listenPort}.sock`);
    const server = createServer((client) => {
      const upstream = connect(port, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    server.unref();
    this.servers.push(server);
    const relay = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.name,
        process.execPath,
        RELAY,
        this.address,
        String(listenPort),
        socketPath,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
    );
    this.relays.push(relay);
    relay.unref();
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: relay.stdout ?? process.stdin });
      lines.once('line', () => resolve());
      relay.once('exit', (code) => reject(new Error(`relay in ${this.name} exited with ${code}`)));
    });
    return listenPort;
  }

  /** Process groups of the relays (for the watchdog). */
  relayGroups(): number[] {
    return this.relays.map((r) => r.pid ?? 0).filter((p) => p > 0);
  }

  /** Stops the relays and deletes the namespace (which deletes the veth pair). Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const r of this.relays) {
      try {
        if (r.pid !== undefined) process.kill(-r.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const s of this.servers) s.close();
    try {
      ip(['netns', 'del', this.name]);
    } catch {
      // already gone
    }
  }
}
