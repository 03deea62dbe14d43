// Installs: the single-file bundle runs from a directory with no node_modules; the packed tarball
// installs into a temporary prefix and runs; bash (and zsh, where installed) completion works.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BIN, PROJECT, TEST_IDS, fixture, hasCommand, runCli, tempDir } from './helpers.mjs';

const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT, 'package.json'), 'utf8'));
const env = { PATH: process.env.PATH, NO_COLOR: '1' };

test('the single-file bundle runs with no node_modules and answers like the modules', () => {
  // npm run build made it (bin/ loads it); rebuilding it here would race the other test files' runs.
  const dir = tempDir('iommu-groups-bundle-');
  fs.copyFileSync(path.join(PROJECT, 'dist/iommu-groups.mjs'), path.join(dir, 'iommu-groups.mjs'));
  const run = (args) => spawnSync(process.execPath, [path.join(dir, 'iommu-groups.mjs'), ...args], { encoding: 'utf8', env, cwd: dir });
  assert.equal(run(['--version']).stdout, `${version}\n`);
  const root = fixture('q35-intel-vfio');
  for (const args of [['list', '--format', 'table'], ['check', '0b:01.0', '--format', 'json'], ['tree'], ['explain', '08:00.0']]) {
    const a = run([...args, '--root', root, '--pci-ids', TEST_IDS]);
    const b = runCli([...args, '--root', root, '--pci-ids', TEST_IDS], { env: { IOMMU_GROUPS_MODULES: '1' } });
    assert.deepEqual([a.stdout, a.stderr, a.status], [b.stdout, b.stderr, b.code], args.join(' '));
  }
});

test('npm pack: the tarball installs into a temporary prefix and runs', () => {
  const dir = tempDir('iommu-groups-pack-');
  // --ignore-scripts: npm test has built dist/ already; prepack's rebuild would empty dist/ under
  // the test files running beside this one.
  const tgz = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: PROJECT, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } }).trim().split('\n').pop();
  const prefix = path.join(dir, 'prefix');
  execFileSync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', path.join(dir, tgz)], { encoding: 'utf8', stdio: 'pipe' });
  const bin = path.join(prefix, 'bin', 'iommu-groups');
  assert.equal(spawnSync(bin, ['--version'], { encoding: 'utf8', env }).stdout, `${version}\n`);
  const r = spawnSync(bin, ['list', '--root', fixture('q35-intel'), '--format', 'plain', '--pci-ids', TEST_IDS], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, runCli(['list', '--root', fixture('q35-intel'), '--format', 'plain', '--pci-ids', TEST_IDS]).stdout);
  const files = execFileSync('tar', ['tzf', path.join(dir, tgz)], { encoding: 'utf8' });
  assert.doesNotMatch(files, /package\/(src|test|scripts)\//, 'only bin/, dist/, schema/, README and docs/ in the package');
  assert.match(files, /package\/dist\/api\.d\.ts\n/);
  assert.match(files, /package\/schema\/check\.json\n/);

  // The library from the installed package: a project that imports it by name, in JavaScript and
  // in TypeScript (its .d.ts), with the schemas it ships.
  const project = path.join(dir, 'consumer');
  fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
  fs.symlinkSync(path.join(prefix, 'lib', 'node_modules', 'iommu-groups'), path.join(project, 'node_modules', 'iommu-groups'));
  fs.writeFileSync(path.join(project, 'package.json'), '{"type":"module"}');
  const script = `import { list, check, diff, UsageError } from 'iommu-groups';
import { createRequire } from 'node:module';
const root = ${JSON.stringify(fixture('q35-intel'))};
const l = await list({ root });
const c = await check(['05:00.0', '05:00.1'], { root });
const d = await diff(root, root);
let err = null;
try { await check(['99:00.0'], { root }); } catch (e) { err = e instanceof UsageError ? e.exitCode : 'untyped'; }
const schema = createRequire(import.meta.url)('iommu-groups/schema/list.json');
console.log(JSON.stringify([l.command, l.groups.length, c.outcome, d.changed, err, schema.$id]));`;
  fs.writeFileSync(path.join(project, 'use.mjs'), script);
  const used = spawnSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8', env });
  assert.equal(used.stderr, '');
  assert.equal(used.stdout, '["list",22,"ready",false,2,"list.json"]\n');
  fs.writeFileSync(
    path.join(project, 'use.ts'),
    `import { check, type CheckDocument, type DiffChange } from 'iommu-groups';
const doc: CheckDocument = await check(['01:00.0']);
const outcome: 'ready' | 'steps' | 'blocked' | 'unknown' = doc.outcome;
const kinds: DiffChange['kind'][] = ['group-merged'];
export { outcome, kinds };
`,
  );
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [path.join(PROJECT, 'node_modules', '@types')] }, files: ['use.ts'] }));
  const tsc = spawnSync(process.execPath, [path.join(PROJECT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf8' });
  assert.equal(tsc.stdout + tsc.stderr, '', 'the .d.ts type-check in a consumer project');
  assert.equal(tsc.status, 0);
});

/** Call the completion function the way bash does: the line up to the cursor, and COMP_WORDS. */
function complete(shell, line) {
  const words = line.split(' ');
  const script = `eval "$(${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} completion ${shell})"
COMP_LINE=${JSON.stringify(line)}; COMP_POINT=${line.length}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _iommu_groups; echo "\${COMPREPLY[*]}"`;
  const r = spawnSync(shell, ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('bash completion: commands, options per command, only the formats each command takes', () => {
  assert.equal(complete('bash', 'iommu-groups ch'), 'check');
  assert.equal(complete('bash', 'iommu-groups list --form'), '--format');
  assert.equal(complete('bash', 'iommu-groups tree --format d'), 'dot');
  assert.equal(complete('bash', 'iommu-groups check --s'), '--strict');
  assert.equal(complete('bash', 'iommu-groups list --class g'), 'gpu');
  assert.equal(complete('bash', 'iommu-groups host --format '), 'table json plain');
  assert.equal(complete('bash', 'iommu-groups buses --format '), 'table json plain');
  assert.equal(complete('bash', 'iommu-groups list --format '), 'table json plain legacy ids addresses prometheus nfd');
  assert.equal(complete('bash', 'iommu-groups watch --format '), 'plain json');
  assert.equal(complete('bash', 'iommu-groups completion '), 'bash zsh');
});

const pciAddrs = fs.existsSync('/sys/bus/pci/devices') ? fs.readdirSync('/sys/bus/pci/devices').sort() : [];
const typingSkip = !hasCommand('tmux') ? 'needs tmux' : pciAddrs.length === 0 ? 'this machine has no PCI devices to complete' : false;

for (const shell of ['bash', 'zsh']) {
  test(`${shell}, typed: an address with colons completes in place; each command offers its own formats`, { skip: typingSkip || (shell === 'zsh' && !hasCommand('zsh') ? 'zsh is not installed' : false) }, async () => {
    const addr = pciAddrs.find((a) => pciAddrs.filter((b) => b.startsWith(a.slice(0, -1))).length === 1) ?? pciAddrs[0];
    const setup = shell === 'bash' ? 'eval "$(iommu-groups completion bash)"; clear' : 'autoload -U compinit && compinit -u; eval "$(iommu-groups completion zsh)"; clear';
    const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Each step waits for the screen to show what it should (never a fixed sleep): the address
    // completes in place (its prefix not doubled), then --format offers this command's formats.
    await driveShell(tempDir('iommu-groups-typed-'), [
      [['-l', setup], /; clear$/m],
      [['Enter'], /^READY\$$/m],
      [['-l', `iommu-groups check ${addr.slice(0, -1)}`], new RegExp(`check ${esc(addr.slice(0, -1))}$`, 'm')],
      [['Tab'], new RegExp(`^READY\\$ iommu-groups check ${esc(addr)}$`, 'm')],
      [['-l', ' --format '], /--format$/m],
      [['Tab', 'Tab'], /^json\s+plain\s+table\s*$/m],
    ], shell);
  });
}

test('zsh completion (through bashcompinit)', { skip: hasCommand('zsh') || process.env.CI ? false : 'zsh is not installed' }, () => {
  const script = `autoload -U compinit && compinit -u; eval "$(${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} completion zsh)"; echo "\${_comps[iommu-groups]}"`;
  const r = spawnSync('zsh', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), '_bash_complete -F _iommu_groups');
});

/**
 * A real interactive bash in tmux, driven step by step: each step sends keys, then waits until the
 * screen shows what it expects (polling, never a fixed sleep), or fails with the screen after 20 s.
 */
async function driveShell(cwd, steps, shell = 'bash') {
  const bin = tempDir('iommu-groups-cbin-');
  fs.writeFileSync(path.join(bin, 'iommu-groups'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 });
  const name = `p${process.pid}${Date.now() % 100000}`;
  const argv = shell === 'bash' ? 'bash --norc --noprofile' : 'zsh -f'; // both take PS1 from the environment
  execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', '150', '-y', '20', '-c', cwd, `env -i HOME=/tmp TERM=xterm PS1='READY$ ' PATH=${bin}:/usr/bin:/bin ${argv}`]);
  const screen = () => execFileSync('tmux', ['capture-pane', '-t', name, '-p'], { encoding: 'utf8' });
  const until = async (re) => {
    for (let t = Date.now(); Date.now() - t < 20000; ) {
      const s = screen();
      if (re.test(s)) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`the screen never matched ${re}:\n${screen()}`);
  };
  try {
    await until(/^READY\$$/m); // capture-pane drops trailing blanks
    for (const [keys, re] of steps) {
      execFileSync('tmux', ['send-keys', '-t', name, ...keys]);
      await until(re);
    }
  } finally {
    spawnSync('tmux', ['kill-session', '-t', name]);
  }
}

test('bash, typed: --root, --pci-ids and snapshot OUT complete files and directories (a directory ends in / and descends)', { skip: hasCommand('tmux') ? false : 'needs tmux' }, async () => {
  const dir = tempDir('iommu-groups-paths-');
  fs.mkdirSync(path.join(dir, 'capture-one/sys'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'pci.ids.local'), '');
  fs.writeFileSync(path.join(dir, 'snap-old.tar.gz'), '');
  await driveShell(dir, [
    [['-l', 'eval "$(iommu-groups completion bash)"; clear'], /completion bash\)"; clear$/m],
    [['Enter'], /^READY\$$/m],
    [['-l', 'iommu-groups list --root cap'], /--root cap$/m],
    [['Tab'], /^READY\$ iommu-groups list --root capture-one\/$/m],
    [['-l', 's'], /--root capture-one\/s$/m],
    [['Tab'], /^READY\$ iommu-groups list --root capture-one\/sys\/$/m],
    [['C-u'], /^READY\$$/m],
    [['-l', 'iommu-groups host --pci-ids pci'], /--pci-ids pci$/m],
    [['Tab'], /^READY\$ iommu-groups host --pci-ids pci\.ids\.local$/m],
    [['C-u'], /^READY\$$/m],
    [['-l', 'iommu-groups snapshot snap'], /snapshot snap$/m],
    [['Tab'], /^READY\$ iommu-groups snapshot snap-old\.tar\.gz$/m],
  ]);
});
