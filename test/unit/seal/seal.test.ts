import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { generateSealingKey, type SealingKeyPair } from '../../../crypto/keys.js';
import {
  CLUSTER_WIDE_ANNOTATION,
  NAMESPACE_WIDE_ANNOTATION,
  TENANT_NAME_ANNOTATION,
  TENANT_WIDE_ANNOTATION,
} from '../../../crypto/scope.js';
import type { KubeObject } from '../../../plugin/shared/objects.js';
import { EC_CERT_PEM } from '../crypto/fixtures.js';
import {
  FakeController,
  openItem,
  runSeal,
  secretYaml,
  TempDir,
  type RunResult,
} from './helpers.js';

const MYSECRET = secretYaml({ name: 'mysecret', namespace: 'myns', data: { foo: 'YmFy' } });

function parseJson(result: RunResult): KubeObject {
  expect(result.stderr, 'stderr').to.equal('');
  expect(result.code).to.equal(0);
  return JSON.parse(result.stdout) as KubeObject;
}

/** Expects the run to fail with exactly one `error: …` line matching `pattern`. */
function expectError(result: RunResult, pattern: RegExp): void {
  expect(result.code, result.stderr).to.equal(1);
  expect(result.stdout).to.equal('');
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  expect(lines, result.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^error: /);
  expect(lines[0]).to.match(pattern);
}

describe('kubectl seal: sealing Secrets offline (--cert)', () => {
  let key: SealingKeyPair;
  let dir: TempDir;
  let cert: string;

  before(async () => {
    key = await generateSealingKey({ bits: 2048 });
  });
  beforeEach(() => {
    dir = new TempDir();
    cert = dir.file('cert.pem', key.certificatePem);
  });
  afterEach(() => dir.cleanup());

  describe('output shape (kubeseal-compatible)', () => {
    it('writes pretty JSON by default, with the template and a decryptable item', async () => {
      const result = await runSeal(['--cert', cert], { stdin: MYSECRET });
      expect(result.stdout.endsWith('}\n')).to.equal(true);
      const sealed = parseJson(result);
      expect(Object.keys(sealed)).to.deep.equal(['apiVersion', 'kind', 'metadata', 'spec']);
      expect(sealed.apiVersion).to.equal('bitnami.com/v1alpha1');
      expect(sealed.kind).to.equal('SealedSecret');
      expect(sealed.metadata).to.deep.equal({ name: 'mysecret', namespace: 'myns' });
      const spec = sealed['spec'] as Record<string, unknown>;
      expect(Object.keys(spec)).to.deep.equal(['template', 'encryptedData']);
      expect(spec['template']).to.deep.equal({ metadata: { name: 'mysecret', namespace: 'myns' } });
      expect(openItem(sealed, 'foo', key.privateKey)).to.equal('bar');
      // RSA-2048 blobs start with the 0x0100 length prefix
      expect((spec['encryptedData'] as Record<string, string>)['foo']).to.match(/^AQ[A-D]/);
    });

    it('writes YAML starting with ---, keys sorted, long values unfolded', async () => {
      const result = await runSeal(['--cert', cert, '-o', 'yaml'], { stdin: MYSECRET });
      expect(result.code).to.equal(0);
      expect(
        result.stdout.startsWith('---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n'),
      ).to.equal(true);
      expect(result.stdout).to.match(/\n {4}foo: AQ[A-Za-z0-9+/=]{300,}\n/);
      expect(result.stdout.indexOf('encryptedData')).to.be.below(result.stdout.indexOf('template'));
    });

    it('strips server fields, last-applied annotations and managedFields; never creationTimestamp', async () => {
      const input = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'mysecret',
          namespace: 'myns',
          uid: 'u',
          resourceVersion: '7',
          generation: 2,
          selfLink: '/x',
          creationTimestamp: '2024-01-01T00:00:00Z',
          deletionTimestamp: '2024-01-02T00:00:00Z',
          deletionGracePeriodSeconds: 30,
          ownerReferences: [{ kind: 'X' }],
          managedFields: [{ manager: 'kubectl' }],
          labels: { app: 'web' },
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': '{}',
            'kubecfg.ksonnet.io/last-applied-configuration': '{}',
            keep: 'me',
          },
          finalizers: ['f'],
        },
        type: 'kubernetes.io/basic-auth',
        immutable: true,
        data: { username: 'YWRtaW4=' },
      };
      const sealed = parseJson(await runSeal(['--cert', cert], { stdin: JSON.stringify(input) }));
      const template = (sealed['spec'] as { template: Record<string, unknown> }).template;
      expect(template).to.deep.equal({
        metadata: {
          name: 'mysecret',
          namespace: 'myns',
          labels: { app: 'web' },
          annotations: { keep: 'me' },
          finalizers: ['f'],
        },
        type: 'kubernetes.io/basic-auth',
        immutable: true,
      });
      const yaml = await runSeal(['--cert', cert, '-o', 'yaml'], { stdin: JSON.stringify(input) });
      expect(yaml.stdout).to.not.include('creationTimestamp');
    });

    it('stringData wins over data on a shared key; keys come out sorted', async () => {
      const stdin = secretYaml({
        name: 's',
        namespace: 'ns',
        data: { zeta: 'eg==', shared: 'ZnJvbS1kYXRh' },
        stringData: { shared: 'from-stringData', alpha: 'a' },
      });
      const sealed = parseJson(await runSeal(['--cert', cert], { stdin }));
      const data = (sealed['spec'] as { encryptedData: Record<string, string> }).encryptedData;
      expect(Object.keys(data)).to.deep.equal(['alpha', 'shared', 'zeta']);
      expect(openItem(sealed, 'shared', key.privateKey)).to.equal('from-stringData');
      expect(openItem(sealed, 'zeta', key.privateKey)).to.equal('z');
    });

    it('seals every document: YAML multi-doc, concatenated JSON and v1 List', async () => {
      const two =
        secretYaml({ name: 'a', namespace: 'ns', data: { k: 'dg==' } }) +
        '---\n---\n' +
        secretYaml({ name: 'b', namespace: 'ns', data: { k: 'dg==' } });
      const yamlOut = await runSeal(['--cert', cert, '-o', 'yaml'], { stdin: two });
      expect(yamlOut.stdout.match(/^---$/gm)).to.have.length(2);

      const json = (name: string): string =>
        JSON.stringify({
          kind: 'Secret',
          metadata: { name, namespace: 'ns' },
          stringData: { k: 'v' },
        });
      const concatenated = await runSeal(['--cert', cert], { stdin: json('a') + '\n' + json('b') });
      expect(concatenated.stdout.match(/"kind": "SealedSecret"/g)).to.have.length(2);

      const list = JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [JSON.parse(json('a')), JSON.parse(json('b'))],
      });
      const fromList = await runSeal(['--cert', cert], { stdin: list });
      expect(fromList.stdout.match(/"name": "b"/g)).to.have.length(2);
    });

    it('--name renames the Secret (and the label follows)', async () => {
      const sealed = parseJson(
        await runSeal(['--cert', cert, '--name', 'renamed'], { stdin: MYSECRET }),
      );
      expect(sealed.metadata?.name).to.equal('renamed');
      expect(openItem(sealed, 'foo', key.privateKey)).to.equal('bar');
    });

    it('reads --secret-file and writes --sealed-secret-file atomically, YAML for .yaml', async () => {
      const input = dir.file('in.yaml', MYSECRET);
      const out = `${dir.path}/out.yaml`;
      const result = await runSeal(['--cert', cert, '-f', input, '-w', out]);
      expect(result).to.deep.equal({ code: 0, stdout: '', stderr: '' });
      expect(readFileSync(out, 'utf8').startsWith('---\n')).to.equal(true);
      expect(readdirSync(dir.path).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
      const json = await runSeal([
        '--cert',
        cert,
        '-f',
        input,
        '-w',
        `${dir.path}/out.yaml`,
        '-o',
        'json',
      ]);
      expect(json.code).to.equal(0);
      expect(readFileSync(out, 'utf8').startsWith('{')).to.equal(true);
    });

    it('takes the certificate from SEALED_SECRETS_CERT and from a file:// URL', async () => {
      const viaEnv = await runSeal([], { stdin: MYSECRET, env: { SEALED_SECRETS_CERT: cert } });
      expect(openItem(parseJson(viaEnv), 'foo', key.privateKey)).to.equal('bar');
      const viaUrl = await runSeal(['--cert', pathToFileURL(cert).href], { stdin: MYSECRET });
      expect(openItem(parseJson(viaUrl), 'foo', key.privateKey)).to.equal('bar');
    });

    it('hints on stderr when stdin is a terminal', async () => {
      const result = await runSeal(['--cert', cert], { stdin: MYSECRET, tty: true });
      expect(result.stderr).to.equal('(tty detected: expecting json/yaml k8s resource in stdin)\n');
    });
  });

  describe('certificate over http(s)', () => {
    let server: Server;
    let base: string;
    before(async () => {
      server = createServer((req, res) => {
        if (req.url === '/cert.pem') res.writeHead(200).end(key.certificatePem);
        else res.writeHead(404, 'Not Found').end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    it('fetches the certificate from a URL', async () => {
      const sealed = parseJson(await runSeal(['--cert', `${base}/cert.pem`], { stdin: MYSECRET }));
      expect(openItem(sealed, 'foo', key.privateKey)).to.equal('bar');
    });

    it('reports a non-200 answer as kubeseal does', async () => {
      expectError(
        await runSeal(['--cert', `${base}/missing.pem`], { stdin: MYSECRET }),
        /^error: cannot fetch "http:\/\/127\.0\.0\.1:\d+\/missing\.pem": 404 Not Found$/,
      );
    });
  });

  describe('namespace resolution', () => {
    const noNamespace = secretYaml({ name: 'mysecret', data: { foo: 'YmFy' } });

    it('uses the input namespace, else -n', async () => {
      const fromFlag = parseJson(
        await runSeal(['--cert', cert, '-n', 'flagns'], { stdin: noNamespace }),
      );
      expect(fromFlag.metadata?.namespace).to.equal('flagns');
      expect(openItem(fromFlag, 'foo', key.privateKey)).to.equal('bar');
      const same = parseJson(await runSeal(['--cert', cert, '-n', 'myns'], { stdin: MYSECRET }));
      expect(same.metadata?.namespace).to.equal('myns');
    });

    it('else the kubeconfig context namespace ($KUBECONFIG and --context), else "default"', async () => {
      const kubeconfig = dir.file(
        'config',
        [
          'apiVersion: v1',
          'kind: Config',
          'current-context: a',
          'contexts:',
          '- name: a',
          '  context: {cluster: c, user: u, namespace: from-context}',
          '- name: b',
          '  context: {cluster: c, user: u}',
        ].join('\n'),
      );
      const env = { KUBECONFIG: kubeconfig };
      const fromContext = parseJson(await runSeal(['--cert', cert], { stdin: noNamespace, env }));
      expect(fromContext.metadata?.namespace).to.equal('from-context');
      const otherContext = parseJson(
        await runSeal(['--cert', cert, '--context', 'b'], { stdin: noNamespace, env }),
      );
      expect(otherContext.metadata?.namespace).to.equal('default');
      const noKubeconfig = parseJson(await runSeal(['--cert', cert], { stdin: noNamespace }));
      expect(noKubeconfig.metadata?.namespace).to.equal('default');
      expectError(
        await runSeal(['--cert', cert, '--context', 'nope'], { stdin: noNamespace, env }),
        /context "nope" not found in kubeconfig/,
      );
    });

    it('rejects an explicit -n that contradicts the input', async () => {
      expectError(
        await runSeal(['--cert', cert, '-n', 'other'], { stdin: MYSECRET }),
        /namespace mismatch: input secret is in namespace "myns" but "other" was specified/,
      );
    });
  });

  describe('scopes', () => {
    it('--scope namespace-wide and cluster-wide annotate metadata and template', async () => {
      for (const [scope, annotation] of [
        ['namespace-wide', NAMESPACE_WIDE_ANNOTATION],
        ['cluster-wide', CLUSTER_WIDE_ANNOTATION],
      ] as const) {
        const sealed = parseJson(
          await runSeal(['--cert', cert, '--scope', scope], { stdin: MYSECRET }),
        );
        expect(sealed.metadata?.annotations).to.deep.equal({ [annotation]: 'true' });
        const template = (sealed['spec'] as { template: KubeObject }).template;
        expect(template.metadata?.annotations).to.deep.equal({ [annotation]: 'true' });
        expect(openItem(sealed, 'foo', key.privateKey)).to.equal('bar');
      }
    });

    it('takes the scope from the input annotations; cluster-wide wins', async () => {
      const stdin = secretYaml({
        name: 'mysecret',
        namespace: 'myns',
        data: { foo: 'YmFy' },
        annotations: { [NAMESPACE_WIDE_ANNOTATION]: 'true', [CLUSTER_WIDE_ANNOTATION]: 'true' },
      });
      const sealed = parseJson(await runSeal(['--cert', cert], { stdin }));
      expect(sealed.metadata?.annotations).to.deep.equal({ [CLUSTER_WIDE_ANNOTATION]: 'true' });
      // cluster-wide: the blob opens under any name and namespace
      const moved = { ...sealed, metadata: { ...sealed.metadata, name: 'x', namespace: 'y' } };
      expect(openItem(moved, 'foo', key.privateKey)).to.equal('bar');
    });

    it('--scope strict drops scope annotations from the input', async () => {
      const stdin = secretYaml({
        name: 'mysecret',
        namespace: 'myns',
        data: { foo: 'YmFy' },
        annotations: { [CLUSTER_WIDE_ANNOTATION]: 'true' },
      });
      const sealed = parseJson(await runSeal(['--cert', cert, '--scope', 'strict'], { stdin }));
      expect(sealed.metadata?.annotations).to.equal(undefined);
      const moved = { ...sealed, metadata: { ...sealed.metadata, name: 'x' } };
      expect(() => openItem(moved, 'foo', key.privateKey)).to.throw(/RSA-OAEP/);
    });

    it('tenant-wide: --tenant or the tenantry.io/tenant annotation; recorded on the SealedSecret', async () => {
      const sealed = parseJson(
        await runSeal(['--cert', cert, '--scope', 'tenant-wide', '--tenant', 'acme'], {
          stdin: MYSECRET,
        }),
      );
      expect(sealed.metadata?.annotations).to.deep.equal({
        [TENANT_WIDE_ANNOTATION]: 'true',
        [TENANT_NAME_ANNOTATION]: 'acme',
      });
      expect(openItem(sealed, 'foo', key.privateKey, 'acme')).to.equal('bar');
      expect(() => openItem(sealed, 'foo', key.privateKey, 'other')).to.throw(/RSA-OAEP/);

      const annotated = secretYaml({
        name: 'mysecret',
        namespace: 'myns',
        data: { foo: 'YmFy' },
        annotations: { [TENANT_WIDE_ANNOTATION]: 'true', [TENANT_NAME_ANNOTATION]: 'acme' },
      });
      const fromAnnotations = parseJson(await runSeal(['--cert', cert], { stdin: annotated }));
      expect(openItem(fromAnnotations, 'foo', key.privateKey, 'acme')).to.equal('bar');
    });

    it('tenant-wide without a tenant name, or with an invalid one, fails', async () => {
      expectError(
        await runSeal(['--cert', cert, '--scope', 'tenant-wide'], { stdin: MYSECRET }),
        /tenant-wide scope needs the tenant name: pass --tenant NAME/,
      );
      expectError(
        await runSeal(['--cert', cert, '--scope', 'tenant-wide', '--tenant', 'Bad_Name'], {
          stdin: MYSECRET,
        }),
        /invalid tenant name "Bad_Name"/,
      );
      expectError(
        await runSeal(['--cert', cert, '--scope', 'strict', '--tenant', 'acme'], {
          stdin: MYSECRET,
        }),
        /--tenant only applies to --scope tenant-wide/,
      );
    });
  });

  describe('errors: one line, exit 1, no output file', () => {
    it('not a Secret', async () => {
      expectError(
        await runSeal(['--cert', cert], {
          stdin: secretYaml({ kind: 'ConfigMap', name: 'x', namespace: 'n' }),
        }),
        /^error: stdin is a ConfigMap, not a Secret$/,
      );
    });

    it('no documents', async () => {
      expectError(await runSeal(['--cert', cert], { stdin: '---\n---\n' }), /no secrets found/);
    });

    it('missing name', async () => {
      expectError(
        await runSeal(['--cert', cert], {
          stdin: secretYaml({ namespace: 'n', data: { a: 'YQ==' } }),
        }),
        /missing metadata\.name in input Secret/,
      );
    });

    it('empty data unless --allow-empty-data', async () => {
      const empty = secretYaml({ name: 'e', namespace: 'n' });
      expectError(
        await runSeal(['--cert', cert], { stdin: empty }),
        /secret\.data is empty in input Secret.*--allow-empty-data/,
      );
      const allowed = parseJson(
        await runSeal(['--cert', cert, '--allow-empty-data'], { stdin: empty }),
      );
      expect((allowed['spec'] as { encryptedData: object }).encryptedData).to.deep.equal({});
    });

    it('bad base64 in data names the key and the Secret', async () => {
      expectError(
        await runSeal(['--cert', cert], {
          stdin: secretYaml({ name: 's', namespace: 'n', data: { pw: 'not base64!' } }),
        }),
        /invalid base64: unexpected character " " at offset 3 in data\.pw of Secret "s" \(stdin\)/,
      );
      expectError(
        await runSeal(['--cert', cert], {
          stdin: secretYaml({ name: 's', namespace: 'n', data: { pw: 'YmE' } }),
        }),
        /padding is required/,
      );
    });

    it('invalid YAML and JSON name the document', async () => {
      expectError(
        await runSeal(['--cert', cert], { stdin: 'a: [1,\n' }),
        /^error: stdin: invalid YAML in document 1/,
      );
      expectError(
        await runSeal(['--cert', cert], { stdin: '{"a": 1} {"b"' }),
        /^error: stdin: invalid JSON in document 2/,
      );
    });

    it("expired certificate, with kubeseal's message", async () => {
      const old = await generateSealingKey({
        bits: 2048,
        now: new Date('2020-01-01T00:00:00Z'),
        ttlMs: 86_400_000,
      });
      const oldCert = dir.file('old.pem', old.certificatePem);
      expectError(
        await runSeal(['--cert', oldCert], { stdin: MYSECRET }),
        /^error: failed to encrypt using an expired certificate on January 2, 2020$/,
      );
    });

    it('non-RSA and too-small certificates', async () => {
      expectError(
        await runSeal(['--cert', dir.file('ec.pem', EC_CERT_PEM)], { stdin: MYSECRET }),
        /expected RSA public key but found ec public key/,
      );
      const small = await generateSealingKey({ bits: 1024 });
      expectError(
        await runSeal(['--cert', dir.file('small.pem', small.certificatePem)], { stdin: MYSECRET }),
        /too small: 1024 bits/,
      );
      expectError(
        await runSeal(['--cert', dir.file('junk.pem', 'junk')], { stdin: MYSECRET }),
        /no PEM CERTIFICATE block found \(certificate from .*junk\.pem\)/,
      );
      expectError(
        await runSeal(['--cert', `${dir.path}/absent.pem`], { stdin: MYSECRET }),
        /cannot read --cert .*absent\.pem: no such file or directory/,
      );
    });

    it('a failed run leaves an existing -w file untouched and leaves no temp files', async () => {
      const out = dir.file('out.json', 'previous content');
      const result = await runSeal(['--cert', cert, '-w', out], {
        stdin: secretYaml({ name: 'e', namespace: 'n' }),
      });
      expect(result.code).to.equal(1);
      expect(readFileSync(out, 'utf8')).to.equal('previous content');
      expect(readdirSync(dir.path).sort()).to.deep.equal(['cert.pem', 'out.json']);
      const fresh = `${dir.path}/fresh.json`;
      await runSeal(['--cert', cert, '-w', fresh], { stdin: 'kind: ConfigMap\n' });
      expect(existsSync(fresh)).to.equal(false);
    });

    it('an input error is reported before the controller is contacted', async () => {
      const controller = new FakeController(key);
      const result = await runSeal([], {
        stdin: 'kind: Pod\n',
        deps: { connectController: controller.connect },
      });
      expect(result.code).to.equal(1);
      expect(controller.calls.fetchCertificate).to.equal(0);
    });

    it('bad flags: unknown flag, bad --scope, bad -o, conflicting modes, stray arguments', async () => {
      expectError(await runSeal(['--cert', cert, '--bogus']), /^error: unknown flag: --bogus$/);
      expectError(await runSeal(['--cert', cert, '-x']), /^error: unknown flag: -x$/);
      expectError(
        await runSeal(['--scope', 'wide']),
        /^error: invalid --scope "wide": must be one of: strict, namespace-wide, cluster-wide, tenant-wide$/,
      );
      expectError(await runSeal(['-o', 'xml']), /^error: unsupported output format: xml/);
      expectError(
        await runSeal(['--raw', '--validate']),
        /^error: --raw and --validate cannot be used together$/,
      );
      expectError(await runSeal(['secret.yaml']), /^error: unexpected argument "secret\.yaml"/);
      expectError(await runSeal(['--cert']), /^error: flag needs an argument: --cert$/);
      expectError(await runSeal(['-o']), /^error: flag needs an argument: -o$/);
      expectError(await runSeal(['--request-timeout', 'soon']), /invalid --request-timeout "soon"/);
    });
  });

  describe('with the controller (in-memory ControllerClient)', () => {
    it('fetches the certificate from the controller when --cert is absent', async () => {
      const controller = new FakeController(key);
      const result = await runSeal([], {
        stdin: MYSECRET,
        deps: { connectController: controller.connect },
      });
      expect(openItem(parseJson(result), 'foo', key.privateKey)).to.equal('bar');
      expect(controller.calls.fetchCertificate).to.equal(1);
    });

    it('--cert wins over the controller', async () => {
      const controller = new FakeController(key);
      await runSeal(['--cert', cert], {
        stdin: MYSECRET,
        deps: { connectController: controller.connect },
      });
      expect(controller.calls.fetchCertificate).to.equal(0);
    });

    it('passes controller name, namespace and kube flags (flags > env > defaults)', async () => {
      const seen: unknown[] = [];
      const connectController = (target: unknown): Promise<never> => {
        seen.push(target);
        return Promise.reject(new Error('unreachable'));
      };
      const env = {
        SEALED_SECRETS_CONTROLLER_NAME: 'env-name',
        SEALED_SECRETS_CONTROLLER_NAMESPACE: 'env-ns',
      };
      expectError(
        await runSeal([], { stdin: MYSECRET, env, deps: { connectController } }),
        /^error: unreachable$/,
      );
      await runSeal(
        [
          '--controller-name',
          'flag-name',
          '--context',
          'c',
          '--as',
          'bob',
          '--request-timeout',
          '5s',
        ],
        {
          stdin: MYSECRET,
          env,
          deps: { connectController },
        },
      );
      expect(seen[0]).to.deep.include({ name: 'env-name', namespace: 'env-ns' });
      expect(seen[1]).to.deep.include({ name: 'flag-name', namespace: 'env-ns' });
      expect((seen[1] as { kube: object }).kube).to.deep.equal({
        kubeconfig: undefined,
        context: 'c',
        as: 'bob',
        requestTimeoutMs: 5000,
      });
      await runSeal([], { stdin: MYSECRET, deps: { connectController } });
      expect(seen[2]).to.deep.include({
        name: 'sealed-secrets-controller',
        namespace: 'kube-system',
      });
    });
  });
});
