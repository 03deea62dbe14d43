// The kernel command line split as lib/cmdline.c next_arg and kernel/params.c parse_args do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cmdlineParam, cmdlineValues, cmdlineWords, parseCmdline } from '../dist/model/cmdline.js';
import { iommuCmdlineOptions } from '../dist/analyse/grouping/isolation.js';

test('words end at unquoted space; quotes group and leave the value; "--" ends the kernel part', () => {
  const line = 'BOOT_IMAGE=/vmlinuz  root=UUID=ab ro intel_iommu="on,sm_on" "acpi_osi=Windows 2020" -- iommu=off';
  assert.deepEqual(parseCmdline(line), [
    { raw: 'BOOT_IMAGE=/vmlinuz', name: 'BOOT_IMAGE', value: '/vmlinuz' },
    { raw: 'root=UUID=ab', name: 'root', value: 'UUID=ab' },
    { raw: 'ro', name: 'ro', value: null },
    { raw: 'intel_iommu="on,sm_on"', name: 'intel_iommu', value: 'on,sm_on' },
    { raw: '"acpi_osi=Windows 2020"', name: 'acpi_osi', value: 'Windows 2020' },
  ]);
  // init's words are not the kernel's: iommu=off after "--" turns nothing off
  assert.equal(cmdlineParam(line, 'iommu'), null);
  assert.deepEqual(cmdlineWords(line).slice(-2).map((w) => w.raw), ['--', 'iommu=off']);
});

test("'-' and '_' in names are the same; the last value wins; a bare flag's value is empty", () => {
  const line = 'vfio_pci.ids=10de:1b80 vfio-pci.ids=10de:10f0 pcie_acs_override';
  assert.deepEqual(cmdlineValues(line, 'vfio-pci.ids'), ['10de:1b80', '10de:10f0']);
  assert.equal(cmdlineParam(line, 'vfio_pci.ids'), '10de:10f0');
  assert.equal(cmdlineParam(line, 'pcie_acs_override'), '');
  assert.equal(cmdlineParam(null, 'iommu'), null);
});

test('the IOMMU words of a command line are shown as written, quotes and all', () => {
  assert.deepEqual(iommuCmdlineOptions('quiet intel_iommu="on" iommu=pt "vfio-pci.ids=1234:5678" -- amd_iommu=off'), ['intel_iommu="on"', 'iommu=pt', '"vfio-pci.ids=1234:5678"']);
});
