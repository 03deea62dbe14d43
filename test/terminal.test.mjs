// Human output fits the terminal: every default view run in a real pseudo-terminal (tmux) at 80
// and 120 columns, read back with capture-pane -J (which joins rows the terminal wrapped, so a line
// that ran past the edge shows as one long line). --wide and pipes keep the full text. The fitting
// helpers on their own: cut names keep their ids, wrapped commands join back to the same command.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { cut, cutName, fitColumns, wrapCommand, wrapWords } from '../dist/render/fit.js';
import { BIN, TEST_IDS, fixture, hasCommand, runCli, tempDir } from './helpers.mjs';

const VIEWS = (I, V, N) => [
  ['list', '--root', V],
  ['list', '--root', N],
  ['buses', '--root', I],
  ['host', '--root', I],
  ['check', '0b:01.0', '--root', V],
  ['check', '05:00.0', '00:1f.3', '--root', I],
  ['check', '01:00.0', '--root', I],
  ['explain', '08:00.0', '05:00.1', '0b:02.0', '--root', I],
  ['tree', '--root', V],
  ['slots', '--root', N],
  ['list', '--predict', '--root', N],
];

/** Run the views one after another in a tmux pane of `width` columns; the screen's history, joined. */
function screen(width, views) {
  const dir = tempDir('iommu-groups-tty-');
  const script = path.join(dir, 'views.sh');
  fs.writeFileSync(script, views.map((v) => [process.execPath, BIN, ...v, '--pci-ids', TEST_IDS].map((w) => `'${w}'`).join(' ')).join('\n') + '\necho __END__\n');
  const name = `tty${process.pid}w${width}`;
  execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', String(width), '-y', '50', `env -i PATH=/usr/bin:/bin TERM=xterm bash ${script}; sleep 60`]);
  try {
    execFileSync('tmux', ['set-option', '-t', name, 'history-limit', '50000']);
    // Wait for the script's last line to show (polling the pane; two busy cores can take a while).
    let out = '';
    const deadline = Date.now() + 180_000;
    while (!out.includes('__END__') && Date.now() < deadline) {
      spawnSync('sleep', ['0.1']);
      out = execFileSync('tmux', ['capture-pane', '-t', name, '-p', '-J', '-S', '-50000'], { encoding: 'utf8' });
    }
    assert.ok(out.includes('__END__'), 'the views did not finish');
    return out;
  } finally {
    spawnSync('tmux', ['kill-session', '-t', name]);
  }
}

for (const width of [80, 120]) {
  test(`at ${width} columns no default view draws a line wider than the terminal`, { skip: hasCommand('tmux') ? false : 'needs tmux' }, () => {
    const out = screen(width, VIEWS(fixture('q35-intel'), fixture('q35-intel-vfio'), fixture('q35-noiommu')));
    const over = out.split('\n').filter((l) => l.length > width);
    assert.deepEqual(over, []);
    assert.match(out, /^0000:0b:01\.0 \(group 21\): READY after 3 steps$/m); // check leads with its answer
    // At 80 columns no list table fits: one block per group; at 120 the table.
    assert.match(out, width === 80 ? /^Group 21 {2}DMA {2}/m : /│ 21 +│ DMA +│/);
    // Names shrink only as far as needed: at 120 the table keeps a part of every device's name
    // (class names give way first, the verdict wraps), as the 80-column blocks keep all of it.
    if (width === 120) {
      assert.match(out, /│ 0000:01:00\.0 │ \[0200\] │ Intel Corporation 82574L G… \[8086:10d3\] │ e1000e +│/);
      assert.doesNotMatch(out, /│ \[[0-9a-f]{4}:[0-9a-f]{4}\] +│ (?!bochs)/); // an id alone only for a device pci.ids does not name
    }
  });
}

test('--wide, and output that is not a terminal, keep the full text', () => {
  const root = fixture('q35-intel-vfio');
  const wide = runCli(['list', '--root', root, '--format', 'table', '--wide', '--pci-ids', TEST_IDS]);
  const piped = runCli(['list', '--root', root, '--format', 'table', '--pci-ids', TEST_IDS]);
  assert.equal(wide.stdout, piped.stdout);
  assert.ok(wide.stdout.split('\n').some((l) => l.length > 200));
  assert.match(wide.stdout, /Intel Corporation 82574L Gigabit Network Connection \[8086:10d3\]/);
});

test('fitting helpers: names keep their ids, words wrap under a hanging indent, commands join back whole', () => {
  assert.equal(cut('Red Hat, Inc. QEMU PCIe Root port', 20), 'Red Hat, Inc. QEMU …');
  assert.equal(cutName('Intel Corporation 82574L Gigabit Network Connection [8086:10d3] (rev 01)', 30), 'Intel Corporation… [8086:10d3]');
  assert.equal(cutName('Intel Corporation 82574L [8086:10d3]', 13), '[8086:10d3]');
  assert.equal(cutName('Host bridge [0600]', 13), 'Host … [0600]');
  assert.deepEqual(wrapWords('one two three four five six', 14, 4, 2), ['one two', '  three four', '  five six']);
  for (const line of [
    'echo 0000:0b:02.0 | sudo tee /sys/bus/pci/devices/0000:0b:02.0/driver/unbind > /dev/null',
    "printf '%s\\n' 'options vfio-pci ids=8086:293e,1af4:1050' 'softdep snd_hda_intel pre: vfio-pci' | sudo tee -a /etc/modprobe.d/vfio-pci-iommu-groups.conf > /dev/null",
  ]) {
    const lines = wrapCommand(line, 80, 2);
    assert.ok(lines.every((l) => l.length <= 80), lines.join('\n'));
    assert.ok(lines.slice(0, -1).every((l) => l.endsWith(' \\')));
    // What the shell runs: backslash-newline removed; runs of blanks between words do not matter.
    assert.equal(lines.join('\n').replace(/\\\n/g, '').trim().replace(/ {2,}/g, ' '), line.replace(/ {2,}/g, ' '));
    const r = spawnSync('bash', ['-c', `set -- ; f() { printf '%s\\n' "$*"; }; alias sudo=f; ${lines.join('\n').replace(/^ +/gm, '').replace(/\| sudo/g, '| f sudo')}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  assert.deepEqual(fitColumns([5, 4, 38, 12, 30, 60, 13], 120, [5, 4, 6]), [5, 4, 38, 12, 13, 13, 13]);
  assert.equal(fitColumns([5, 4, 38, 12, 30, 60, 13], 60, [5, 4, 6]), null);
});
