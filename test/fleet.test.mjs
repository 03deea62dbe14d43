// Fleet formats of `list`: Prometheus text validated by promtool (Debian package prometheus; CI
// installs it), exact metrics and NFD lines on the captures, hostile label values escaped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FIXTURES, PROJECT, fixture, fixtureCopy, hasCommand, runCli } from './helpers.mjs';

const EXPECTED = path.join(PROJECT, 'test', 'expected');
const noPromtool = !hasCommand('promtool') && !process.env.CI ? 'promtool (Debian package prometheus) is not installed' : false;

for (const fx of FIXTURES) {
  test(`${fx}: promtool accepts the metrics`, { skip: noPromtool }, () => {
    const r = runCli(['list', '--format', 'prometheus', '--root', fixture(fx)]);
    assert.equal(r.code, 0);
    const p = spawnSync('promtool', ['check', 'metrics'], { input: r.stdout, encoding: 'utf8' });
    assert.equal(p.status, 0, p.stdout + p.stderr);
    assert.equal(p.stdout + p.stderr, '');
  });
}

for (const [golden, fx, format] of [
  ['fleet-vfio.prom', 'q35-intel-vfio', 'prometheus'],
  ['fleet-vfio.nfd', 'q35-intel-vfio', 'nfd'],
  ['fleet-noiommu.nfd', 'q35-noiommu', 'nfd'],
]) {
  test(`${golden}: list --format ${format} on ${fx}`, () => {
    const r = runCli(['list', '--format', format, '--root', fixture(fx)]);
    const file = path.join(EXPECTED, golden);
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, r.stdout);
    assert.deepEqual([r.stderr, r.code], ['', 0]);
    assert.equal(r.stdout, fs.readFileSync(file, 'utf8'));
  });
}

test('the ready group and its device: 02:00.0 alone on vfio-pci is ready; group 21 is not', () => {
  const out = runCli(['list', '--format', 'prometheus', '--root', fixture('q35-intel-vfio')]).stdout;
  assert.match(out, /^iommu_groups_device_vfio_ready\{device="0000:02:00.0",group="14"\} 1$/m);
  assert.match(out, /^iommu_groups_device_vfio_ready\{device="0000:0b:01.0",group="21"\} 0$/m);
  assert.match(out, /^iommu_groups_passthrough_ready_groups 1$/m);
});

test('hostile driver names stay valid label values', { skip: noPromtool }, () => {
  const root = fixtureCopy('q35-intel-vfio');
  const evil = 'a"b\\c\x1b[31m';
  fs.mkdirSync(path.join(root, 'sys/bus/pci/drivers', evil));
  const dev = fs.realpathSync(path.join(root, 'sys/bus/pci/devices/0000:0b:02.0'));
  fs.unlinkSync(path.join(dev, 'driver'));
  fs.symlinkSync(path.relative(dev, path.join(root, 'sys/bus/pci/drivers', evil)), path.join(dev, 'driver'));
  const r = runCli(['list', '--format', 'prometheus', '--root', root]);
  assert.match(r.stdout, /driver="a\\"b\\\\c\\\\x1b\[31m"/);
  assert.equal(spawnSync('promtool', ['check', 'metrics'], { input: r.stdout }).status, 0);
});

test('fleet formats report the whole host: filters are refused', () => {
  const r = runCli(['list', '--format', 'prometheus', '--group', '1', '--root', fixture('q35-intel')]);
  assert.deepEqual([r.stdout, r.stderr, r.code], ['', 'iommu-groups: --format prometheus reports the whole host\nhint: drop --group, --device, --class, --vendor, --driver, --related and --predict\n', 2]);
});
