// `npm run demo`: the tool on a bundled real capture (the host you run this on may have no
// IOMMU). Extracts test/fixtures/sysfs/q35-intel.tar.gz (Intel VT-d, Linux 6.1) to .tmp/ and
// lists its groups. Pass another capture name and format: npm run demo -- q35-intel-vfio json
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
const root = path.join(project, '.tmp', name);
if (!fs.existsSync(path.join(root, 'sys'))) {
  fs.mkdirSync(root, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', root]);
}
console.error(`demo: iommu-groups list --root ${path.relative(process.cwd(), root)} --format ${format}\n`);
const r = spawnSync(process.execPath, [path.join(project, 'bin', 'iommu-groups.js'), 'list', '--root', root, '--format', format], { stdio: 'inherit' });
process.exit(r.status ?? 2);
