// What every command shares: --root, --format, --color, --pci-ids, the colour decision, and the
// tail that prints warnings and decides the no-IOMMU exit code.
import { Command, Option } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, EXIT } from '../errors.js';
import { parseUserAddress, type PciAddress } from '../model/pci-address.js';
import type { Model } from '../model/types.js';
import { FORMATS, type Format } from '../render/format.js';
import { visible } from '../render/safe-text.js';
import { SysRoot } from '../read/sysfs-root.js';
import type { Io } from '../io.js';

export interface CommonOptions {
  root?: string;
  format?: Format;
  color: 'auto' | 'always' | 'never';
  pciIds?: string;
  wide?: boolean;
}

/** The "Exit codes:" block of a command's --help: its own codes, then 2 and 70, which all have. */
export function exitHelp(own: readonly (readonly [number, string])[]): string {
  const rows: (readonly [number, string])[] = [
    ...own,
    [2, 'usage or environment error (bad option, address, id or group; --root without sys/)'],
    [70, 'internal error (a bug: please report it with the stack trace)'],
  ];
  return `\nExit codes:\n${rows.sort((a, b) => a[0] - b[0]).map(([c, t]) => `  ${String(c).padEnd(3)} ${t}`).join('\n')}`;
}

export const NO_IOMMU_EXIT = [3, 'no active IOMMU (what can be shown is still printed)'] as const;
export const NO_MATCH_EXIT = [1, 'the filters together matched nothing (a value naming nothing: 2)'] as const;

/** Options every command takes; `formats` narrows --format for commands that lack some. */
export function addCommon(cmd: Command, formats: readonly string[] = FORMATS): Command {
  return cmd
    .option('--root <dir>', 'read the sysfs tree under DIR (a snapshot or capture) instead of /')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, plain otherwise)').choices(formats))
    .addOption(new Option('--color <when>', 'colour in table output').choices(['auto', 'always', 'never']).default('auto'))
    .option('--pci-ids <file>', 'pci.ids database for names (default: where lspci looks)')
    .option('--wide', 'full text in table output even on a narrow terminal (no cutting or wrapping)');
}

/** Resolve and check --root; refuse to guess on a platform with no /sys. */
export function resolveRoot(opts: CommonOptions, io: Io): string {
  if (opts.root === undefined) {
    if (io.platform !== 'linux') {
      throw new UsageError(`IOMMU groups are a Linux sysfs feature; this is ${io.platform}`, 'read a captured Linux tree with --root DIR');
    }
    return '/';
  }
  const root = path.resolve(opts.root);
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--root ${opts.root}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code}`, 'give the directory that holds sys/ (a host root or an extracted capture)');
  }
  if (!st.isDirectory()) throw new UsageError(`--root ${opts.root}: not a directory`, 'give the directory that holds sys/');
  const hint = 'give the directory that holds sys/ (for a capture: where its tarball was extracted)';
  // Looked at through the jail like every later read: a sys/ that is a link out of the root is not followed.
  const tree = new SysRoot(root);
  const listed = tree.list('sys');
  if (!listed.ok) {
    const code = listed.absent ? 'ENOENT' : listed.error;
    if (code === 'EACCES' || code === 'EPERM') throw new UsageError(`--root ${opts.root}: permission denied reading its sys/`, 'run as a user who may read it (or sudo)');
    if (code === 'EOUTSIDE') throw new UsageError(`--root ${opts.root}: its sys/ is a link that leaves the root (${tree.escapes.get('sys') ?? 'not followed'})`, hint);
    throw new UsageError(`--root ${opts.root} has no sys/ directory`, hint);
  }
  const entries = listed.value;
  // /proc has a sys/ too (sysctl): a sysfs root has at least one of these.
  const sysfs = ['bus', 'devices', 'class'].some((e) => entries.includes(e)) || tree.kind('sys/kernel/iommu_groups').ok;
  if (!sysfs) {
    throw new UsageError(`--root ${opts.root}: its sys/ is not a sysfs tree (no bus/, devices/ or class/ in it)`, hint);
  }
  return root;
}

export function chooseFormat(opts: CommonOptions, io: Io): Format {
  return opts.format ?? (io.stdoutIsTTY ? 'table' : 'plain');
}

/** Colour level, decided once: --color, then NO_COLOR, FORCE_COLOR, TERM=dumb, a terminal. */
export function colourLevel(when: CommonOptions['color'], env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 {
  if (when === 'never') return 0;
  if (when === 'always') return 1;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return 0;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force === '0' || force === 'false' ? 0 : 1;
  if (env['TERM'] === 'dumb') return 0;
  return isTTY ? 1 : 0;
}

/**
 * Issues met while reading, on stderr unless the format shows them itself (`inline`: list's JSON and
 * table do; host, check and explain carry them in JSON only, so their table prints them here).
 */
export function reportIssues(model: Model, format: Format, io: Io, inline: readonly Format[] = ['json', 'table']): void {
  if (inline.includes(format) || model.issues.length === 0) return;
  for (const i of model.issues) io.err(`iommu-groups: warning: ${i.code} ${visible(i.subject)}: ${visible(i.message)}\n`);
}

/**
 * The width table output must fit: the terminal's columns (80 if it does not say), or null for
 * full text (--wide, or stdout not a terminal: pipes and files get every character).
 */
export function outputWidth(opts: { wide?: boolean }, io: Io): number | null {
  if (opts.wide || !io.stdoutIsTTY) return null;
  return Math.max(40, io.columns ?? 80);
}

export async function chalkFor(opts: CommonOptions, io: Io) {
  const { Chalk } = await import('chalk');
  return new Chalk({ level: colourLevel(opts.color, io.env, io.stdoutIsTTY) });
}

/** What list and buses do after printing: warnings on stderr, and exit 3 without an IOMMU. */
export function finish(model: Model, iommu: { active: boolean; evidence: string[] }, format: Format, io: Io): number {
  reportIssues(model, format, io);
  if (iommu.active) return EXIT.OK;
  // table output already opens with the sentence; the machine formats keep stdout clean
  if (format !== 'table') io.err(`iommu-groups: no active IOMMU: ${iommu.evidence.map(visible).join('; ')}\n`);
  return EXIT.NO_IOMMU;
}


/** Commander collector: a repeated option and comma lists add up ("--group 21 --group 14,3"). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim())];
}

/** One rule for a group that is not in the tree (list, tree, check, explain): a usage error. */
export function requireGroups(model: Model, ids: readonly number[]): void {
  const have = new Set(model.groups.map((g) => g.id));
  const missing = ids.filter((id) => !have.has(id));
  if (missing.length === 0) return;
  throw new UsageError(
    `--group ${missing.join(',')}: no such group in this tree`,
    have.size === 0 ? 'this tree has no IOMMU groups' : `its groups: ${idRanges([...have].sort((a, b) => a - b))}`,
  );
}

/** [0,1,2,3,5,7,8] -> "0-3, 5, 7-8": group ids need not be dense. */
export function idRanges(ids: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    out.push(j === i ? String(ids[i]) : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** --group N: a decimal group id. */
export function parseGroupOption(value: string): number {
  if (!/^[0-9]{1,9}$/.test(value)) throw new UsageError(`--group ${value}: not a group number`, 'a decimal group id, e.g. --group 13');
  return Number(value);
}

/** --device ADDR: a PCI address, full or short. */
export function parseDeviceOption(value: string): PciAddress {
  const r = parseUserAddress(value);
  if (!r.ok) throw new UsageError(`--device ${value}: ${r.reason}`, 'e.g. --device 01:00.0 or --device 0000:01:00.0');
  return r.address;
}
