// Builds the krew archives of both plugins and writes their sha256 into plugin/krew/*.yaml.
// Run after `npm run build`: node plugin/krew/package.mjs [outdir]   (default dist/krew)
//
// An archive holds plugin/bin/kubectl-<name>, plugin/bin/kubectl_complete-<name>,
// plugin/bin/compile-cache.mjs (loaded by both launchers on Node >= 22.1), the bundle
// dist/kubectl-<name>.mjs and dist/chunks/ (the lazily loaded parts), laid out as in the
// repository so the launcher's relative import works. The tar is reproducible (sorted, mtime 0,
// numeric owner 0, gzip without name/time), so the same bundle always gives the same sha256.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

/** The bundle and every chunk it imports, statically or lazily (dist/ keeps stale chunks). */
function reachable(entry) {
  const seen = new Set();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/["'](\.\.?\/[^"'\n]+\.mjs)["']/g)) {
      queue.push(resolve(dirname(file), m[1]));
    }
  }
  return [...seen];
}

const root = resolve(import.meta.dirname, '../..');
const outdir = resolve(process.argv[2] ?? join(root, 'dist/krew'));
const version = `v${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}`;
mkdirSync(outdir, { recursive: true });

for (const name of ['tenant', 'seal']) {
  const bundle = join(root, `dist/kubectl-${name}.mjs`);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first`);
  const stage = mkdtempSync(join(tmpdir(), `krew-${name}-`));
  try {
    mkdirSync(join(stage, 'plugin/bin'), { recursive: true });
    for (const bin of [`kubectl-${name}`, `kubectl_complete-${name}`, 'compile-cache.mjs']) {
      cpSync(join(root, 'plugin/bin', bin), join(stage, 'plugin/bin', bin));
    }
    for (const file of reachable(bundle)) {
      cpSync(file, join(stage, relative(root, file)));
    }
    const archive = join(outdir, `kubectl-${name}-${version}.tar.gz`);
    const tar = execFileSync(
      'tar',
      [
        '--sort=name',
        '--mtime=@0',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '-cf',
        '-',
        '-C',
        stage,
        'plugin',
        'dist',
      ],
      { maxBuffer: 1 << 30 },
    );
    const gz = execFileSync('gzip', ['-n', '-9'], { input: tar, maxBuffer: 1 << 30 });
    writeFileSync(archive, gz);
    const sha = createHash('sha256').update(gz).digest('hex');
    const manifest = join(root, `plugin/krew/${name}.yaml`);
    const text = readFileSync(manifest, 'utf8')
      .replace(/sha256: (['"])[0-9a-f]{64}\1/g, `sha256: '${sha}'`)
      .replace(/version: v[0-9.]+/, `version: ${version}`)
      .replace(
        /download\/v[0-9.]+\/kubectl-(\w+)-v[0-9.]+\.tar\.gz/g,
        `download/${version}/kubectl-$1-${version}.tar.gz`,
      );
    writeFileSync(manifest, text);
    process.stdout.write(`${archive}\n  sha256 ${sha} (written to plugin/krew/${name}.yaml)\n`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
