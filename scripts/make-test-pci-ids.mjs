// Writes test/fixtures/pci.ids: the lines of a real pci.ids that the fixtures need (their
// vendors and devices, and the whole class section), so tests pin names independently of the
// host's copy. Usage: node scripts/make-test-pci-ids.mjs /usr/share/misc/pci.ids ROOT...
import * as fs from 'node:fs';
const [src, ...roots] = process.argv.slice(2);
const want = new Map();
for (const root of roots) {
  const dir = `${root}/sys/bus/pci/devices`;
  for (const d of fs.readdirSync(dir)) {
    const v = fs.readFileSync(`${dir}/${d}/vendor`, 'latin1').trim().slice(2);
    const dev = fs.readFileSync(`${dir}/${d}/device`, 'latin1').trim().slice(2);
    (want.get(v) ?? want.set(v, new Set()).get(v)).add(dev);
  }
}
const lines = fs.readFileSync(src, 'utf8').split('\n');
const out = ['# Subset of pci.ids for the iommu-groups tests (scripts/make-test-pci-ids.mjs).'];
for (const l of lines.slice(0, 40)) if (l.startsWith('#')) out.push(l); else break;
let vendor = null;
let inClasses = false;
for (const l of lines) {
  if (l.startsWith('C ')) inClasses = true;
  if (inClasses) { out.push(l); continue; }
  if (/^[0-9a-f]{4}\s/.test(l)) { vendor = l.slice(0, 4); if (want.has(vendor)) out.push(l); continue; }
  const m = /^\t([0-9a-f]{4})\s/.exec(l);
  if (m && vendor && want.get(vendor)?.has(m[1])) out.push(l);
}
fs.writeFileSync('test/fixtures/pci.ids', out.join('\n') + '\n');
console.log(`wrote test/fixtures/pci.ids: ${out.length} lines`);
