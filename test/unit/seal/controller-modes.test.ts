import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { generateSealingKey, type SealingKeyPair } from '../../../crypto/keys.js';
import type { KubeObject } from '../../../plugin/shared/objects.js';
import { FakeController, openItem, runSeal, secretYaml, TempDir } from './helpers.js';

describe('kubectl seal: controller modes (in-memory ControllerClient)', () => {
  let oldKey: SealingKeyPair;
  let newKey: SealingKeyPair;
  let dir: TempDir;

  before(async () => {
    [oldKey, newKey] = await Promise.all([
      generateSealingKey({ bits: 2048 }),
      generateSealingKey({ bits: 2048 }),
    ]);
  });
  beforeEach(() => {
    dir = new TempDir();
  });
  afterEach(() => dir.cleanup());

  async function sealedWith(key: SealingKeyPair, name = 'app'): Promise<string> {
    const cert = dir.file('c.pem', key.certificatePem);
    const result = await runSeal(['--cert', cert], {
      stdin: secretYaml({ name, namespace: 'prod', stringData: { k: 'v' } }),
    });
    return result.stdout;
  }

  describe('--fetch-cert', () => {
    it('prints the controller certificate unchanged', async () => {
      const controller = new FakeController(oldKey);
      const result = await runSeal(['--fetch-cert'], {
        deps: { connectController: controller.connect },
      });
      expect(result).to.deep.equal({ code: 0, stdout: oldKey.certificatePem, stderr: '' });
    });

    it('prints --cert instead when given, and refuses non-certificates', async () => {
      const file = dir.file('c.pem', newKey.certificatePem);
      expect((await runSeal(['--fetch-cert', '--cert', file])).stdout).to.equal(
        newKey.certificatePem,
      );
      const junk = dir.file('junk', '<html>login</html>');
      expect((await runSeal(['--fetch-cert', '--cert', junk])).stderr).to.match(
        /^error: no PEM certificate in the answer from/,
      );
    });

    it('writes -w atomically', async () => {
      const controller = new FakeController(oldKey);
      await runSeal(['--fetch-cert', '-w', `${dir.path}/out.pem`], {
        deps: { connectController: controller.connect },
      });
      expect(readFileSync(`${dir.path}/out.pem`, 'utf8')).to.equal(oldKey.certificatePem);
    });
  });

  describe('--validate', () => {
    it('succeeds silently when the controller can decrypt every input', async () => {
      const controller = new FakeController(oldKey);
      const stdin = (await sealedWith(oldKey, 'a')) + (await sealedWith(oldKey, 'b'));
      const result = await runSeal(['--validate'], {
        stdin,
        deps: { connectController: controller.connect },
      });
      expect(result).to.deep.equal({ code: 0, stdout: '', stderr: '' });
      expect(controller.calls.verify).to.deep.equal(['a', 'b']);
    });

    it("fails with kubeseal's message when it cannot (409)", async () => {
      const controller = new FakeController(oldKey);
      const result = await runSeal(['--validate'], {
        stdin: await sealedWith(newKey),
        deps: { connectController: controller.connect },
      });
      expect(result.stderr).to.equal('error: unable to decrypt sealed secret: app\n');
      expect(result.code).to.equal(1);
    });

    it('rejects non-SealedSecret input before contacting the controller', async () => {
      const controller = new FakeController(oldKey);
      const result = await runSeal(['--validate'], {
        stdin: secretYaml({ name: 'x' }),
        deps: { connectController: controller.connect },
      });
      expect(result.stderr).to.equal('error: stdin is a Secret, not a SealedSecret\n');
      expect(controller.calls.verify).to.deep.equal([]);
    });
  });

  describe('--re-encrypt', () => {
    it('re-seals with the newest key and prints the result', async () => {
      const controller = new FakeController(oldKey, newKey);
      const result = await runSeal(['--re-encrypt'], {
        stdin: await sealedWith(oldKey),
        deps: { connectController: controller.connect },
      });
      expect(result.code, result.stderr).to.equal(0);
      const rotated = JSON.parse(result.stdout) as KubeObject;
      expect(openItem(rotated, 'k', newKey.privateKey)).to.equal('v');
      expect(() => openItem(rotated, 'k', oldKey.privateKey)).to.throw();
    });

    it('rewrites -f in place when no -w is given (YAML stays YAML); --rotate still works', async () => {
      const controller = new FakeController(oldKey, newKey);
      const cert = dir.file('c.pem', oldKey.certificatePem);
      const file = `${dir.path}/app.yaml`;
      await runSeal(['--cert', cert, '-w', file], {
        stdin: secretYaml({ name: 'app', namespace: 'prod', stringData: { k: 'v' } }),
      });
      const result = await runSeal(['--rotate', '-f', file], {
        deps: { connectController: controller.connect },
      });
      expect(result).to.deep.equal({ code: 0, stdout: '', stderr: '' });
      const text = readFileSync(file, 'utf8');
      expect(text.startsWith('---\n')).to.equal(true);
      expect(controller.calls.rotate).to.deep.equal(['app']);
    });

    it('reports an undecryptable input (409) and writes nothing', async () => {
      const controller = new FakeController(oldKey, newKey);
      const result = await runSeal(['--re-encrypt'], {
        stdin: await sealedWith(newKey),
        deps: { connectController: controller.connect },
      });
      expect(result).to.deep.equal({
        code: 1,
        stdout: '',
        stderr: 'error: unable to rotate secret: prod/app\n',
      });
    });
  });
});
