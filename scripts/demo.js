// `npm run demo`: the tool on a bundled real capture (the host you run this on may have no
// IOMMU). Extracts the bundled captures to .tmp/<name> and lists the groups of q35-intel (Intel
// VT-d, Linux 6.1). Pass another capture name and format: npm run demo -- q35-intel-vfio json
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const project = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2] ?? 'q35-intel';
const format = process.argv[3] ?? 'table';
const tarball = path.join(project, 'test', 'fixtures', 'sysfs', `${name}.tar.gz`);
if (!fs.existsSync(tarball)) {
  console.error(`demo: no capture ${name}; have: ${fs.readdirSync(path.dirname(tarball)).filter((f) => f.endsWith('.tar.gz')).join(', ')}`);
  process.exit(2);
}
// Every bundled capture goes to .tmp/<name>, so the README's examples (--root .tmp/q35-intel,
// .tmp/q35-intel-vfio, .tmp/q35-noiommu) run as written after `npm run demo`.
for (const t of fs.readdirSync(path.dirname(tarball)).filter((f) => f.endsWith('.tar.gz'))) {
  const dir = path.join(project, '.tmp', t.slice(0, -'.tar.gz'.length));
  if (fs.existsSync(path.join(dir, 'sys'))) continue;
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['xzf', path.join(path.dirname(tarball), t), '-C', dir]);
}
const root = path.join(project, '.tmp', name);
console.error(`demo: iommu-groups list --root ${path.relative(process.cwd(), root)} --format ${format}\n`);
const r = spawnSync(process.execPath, [path.join(project, 'bin', 'iommu-groups.js'), 'list', '--root', root, '--format', format], { stdio: 'inherit' });
process.exit(r.status ?? 2);
