import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { runSeal, secretYaml, TempDir } from './helpers.js';
import { connectClusterController } from '../../../plugin/seal/controller.js';

// No API server is faked here: these tests only cover what happens before one answers
// (kubeconfig selection) and when none does (connection refused), both real behaviour.
describe('kubectl seal: reaching the controller through kubeconfig', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = new TempDir();
  });
  afterEach(() => dir.cleanup());

  /** A port that refuses connections: bound, then closed. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  function kubeconfig(server: string): string {
    return dir.file(
      'config',
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: test',
        'clusters:',
        `- name: c\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}`,
        'contexts:',
        '- name: test\n  context: {cluster: c, user: u}',
        'users:',
        '- name: u\n  user: {token: t}',
      ].join('\n'),
    );
  }

  const run = (args: string[]): ReturnType<typeof runSeal> =>
    runSeal(args, {
      stdin: secretYaml({ name: 's', namespace: 'n', stringData: { a: 'b' } }),
      deps: { connectController: connectClusterController },
    });

  it('an unreachable API server: names the service, the kubeconfig and the context', async () => {
    const port = await closedPort();
    const config = kubeconfig(`https://127.0.0.1:${port}`);
    const result = await run([
      '--kubeconfig',
      config,
      '--controller-name',
      'sealer',
      '--controller-namespace',
      'ops',
    ]);
    expect(result.code).to.equal(1);
    expect(result.stderr.split('\n')).to.have.length(2);
    expect(result.stderr).to.include(
      'error: cannot get sealed secret service (service ops/sealer via context "test" of kubeconfig ',
    );
    expect(result.stderr).to.include(`server https://127.0.0.1:${port}): `);
    expect(result.stderr).to.include('ECONNREFUSED');
    expect(result.stderr).to.include('or seal offline with --cert FILE');
  });

  it('an unknown --context or a missing --kubeconfig is named', async () => {
    const config = kubeconfig('https://127.0.0.1:1');
    expect((await run(['--kubeconfig', config, '--context', 'other'])).stderr).to.match(
      /^error: context "other" not found in kubeconfig .*config\n$/,
    );
    expect((await run(['--kubeconfig', `${dir.path}/absent`])).stderr).to.match(
      /^error: cannot load kubeconfig: ENOENT/,
    );
  });
});
