import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../../..');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version: string;
    homepage: string;
    shortDescription: string;
    description: string;
    caveats: string;
    platforms: {
      selector: { matchLabels: { os: string; arch: string } };
      uri: string;
      sha256: string;
      bin: string;
      files: { from: string; to: string }[];
    }[];
  };
}

describe('krew manifests (plugin/krew/*.yaml)', () => {
  const version = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;

  for (const name of ['tenant', 'seal']) {
    it(`${name}.yaml is a valid krew Plugin for the executable in plugin/bin`, () => {
      const m = parse(readFileSync(join(ROOT, `plugin/krew/${name}.yaml`), 'utf8')) as Manifest;
      expect(m.apiVersion).to.equal('krew.googlecontainertools.github.com/v1alpha2');
      expect(m.kind).to.equal('Plugin');
      expect(m.metadata.name, 'the name is the file name').to.equal(name);
      expect(m.spec.version).to.equal(`v${version}`);
      expect(m.spec.homepage).to.match(/^https:\/\//);
      expect(m.spec.shortDescription.length).to.be.within(10, 50);
      expect(m.spec.description).to.contain(`kubectl ${name}`);
      expect(m.spec.caveats).to.match(/node.*>= 20\.19/);
      const platforms = m.spec.platforms.map(
        (p) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`,
      );
      expect(platforms).to.include.members([
        'linux/amd64',
        'linux/arm64',
        'darwin/amd64',
        'darwin/arm64',
      ]);
      for (const p of m.spec.platforms) {
        expect(p.uri).to.equal(
          `https://github.com/tenantry/tenantry/releases/download/v${version}/kubectl-${name}-v${version}.tar.gz`,
        );
        expect(p.sha256).to.match(/^[0-9a-f]{64}$/);
        expect(p.bin).to.equal(`plugin/bin/kubectl-${name}`);
        const bin = join(ROOT, p.bin);
        expect(existsSync(bin)).to.equal(true);
        expect(statSync(bin).mode & 0o111, `${p.bin} is executable`).to.not.equal(0);
        expect(readFileSync(bin, 'utf8')).to.match(/^#!\/usr\/bin\/env node\n/);
      }
    });
  }
});
