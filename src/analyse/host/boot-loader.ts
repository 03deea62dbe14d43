// Where this host's kernel command line lives, and the exact edit and command that change it:
// detected from what the root holds (etc/default/grub, etc/kernel/cmdline, proxmox-boot-uuids,
// loader entries, the boot tools present, os-release). Printed, never run; files are edited by
// the user (no tee over an existing file). Pure.
import type { BootFacts, Model } from '../../model/types.js';
import { cmdlineWords } from '../../model/cmdline.js';
import { parseAssignment, renderAssignment } from './grub-default.js';
import { shellQuote } from '../vfio/shell-quote.js';

export interface BootStep {
  /** The line to show: an instruction, or a command (already shell-quoted). */
  line: string;
  /** For a command: its words. */
  argv: string[] | null;
}

export interface BootOption {
  loader: string;
  /** Why this one: the files or tools that say so. */
  evidence: string[];
  steps: BootStep[];
}

export interface BootChange {
  add: string[];
  remove: string[];
  /** true: the way this host boots was recognised, and `options` has exactly one entry. */
  detected: boolean;
  options: BootOption[];
}

const cmd = (...argv: string[]): BootStep => ({ line: argv.map(shellQuote).join(' '), argv });
const say = (line: string): BootStep => ({ line, argv: null });

/** The command line's words with `remove` gone and `add` in (replacing a word with the same key). */
function editWords(words: readonly string[], add: readonly string[], remove: readonly string[]): string[] {
  const key = (w: string) => w.split('=')[0]!.replace(/-/g, '_');
  const addKeys = new Set(add.map(key));
  const kept = words.filter((w) => !remove.includes(w) && !addKeys.has(key(w)));
  return [...kept, ...add.filter((a) => !kept.includes(a))];
}

/**
 * GRUB: the GRUB_CMDLINE_LINUX_DEFAULT line as it is and as it should be, edited as the shell reads
 * it (grub-default.ts): the user's quoting, `export` and a trailing comment are kept. The last
 * assignment is the one in force (grub-mkconfig sources the file).
 */
function grubEdit(text: string | null, add: readonly string[], remove: readonly string[]): BootStep[] {
  const lines = (text ?? '').split('\n');
  const last = (name: string) => {
    const re = new RegExp(`^\\s*(export\\s+)?${name}=`);
    let i = lines.length - 1;
    while (i >= 0 && !re.test(lines[i]!)) i--;
    return i < 0 ? null : { n: i + 1, line: lines[i]!, a: parseAssignment(lines[i]!, name) };
  };
  const def = last('GRUB_CMDLINE_LINUX_DEFAULT');
  const lin = last('GRUB_CMDLINE_LINUX');
  const steps: BootStep[] = [];
  const words = (v: string | null | undefined) => cmdlineWords(v ?? '').map((w) => w.raw);
  const edits = [...remove.map((r) => `remove ${r}`), ...add.map((a) => `add ${a}`)].join(', ');
  if (def && (def.a === null || def.a.value === null)) {
    steps.push(say(`In /etc/default/grub, line ${def.n} sets GRUB_CMDLINE_LINUX_DEFAULT in a way this tool does not rewrite (${def.a === null ? 'quoting or syntax it does not parse' : 'a shell expansion'}): ${edits} there by hand`), say(`    ${def.line.trim()}`));
  } else if (def) {
    const a = def.a!;
    steps.push(say(`In /etc/default/grub change line ${def.n}`), say(`    ${def.line.trim()}`), say('to'), say(`    ${renderAssignment(a, editWords(words(a.value), add, remove).join(' ')).trim()}`));
  } else {
    steps.push(say('In /etc/default/grub add the line'), say(`    GRUB_CMDLINE_LINUX_DEFAULT="${add.join(' ')}"`));
  }
  // A word to remove that is not in that line: in GRUB_CMDLINE_LINUX, or somewhere this file does not show.
  const inDefault = new Set(def?.a?.value != null ? words(def.a.value) : []);
  const rest = remove.filter((r) => !inDefault.has(r));
  const inLinux = lin?.a?.value != null ? rest.filter((r) => words(lin.a!.value).includes(r)) : [];
  if (inLinux.length > 0 && lin) steps.push(say(`and take ${inLinux.join(' ')} out of its GRUB_CMDLINE_LINUX line (line ${lin.n})`));
  const nowhere = rest.filter((r) => !inLinux.includes(r));
  if (nowhere.length > 0 && def?.a?.value != null) {
    steps.push(say(`${nowhere.join(' ')} ${nowhere.length === 1 ? 'is' : 'are'} not in /etc/default/grub's GRUB_CMDLINE_LINUX lines: look in /etc/default/grub.d/*.cfg (read after it), or the boot entry it comes from`));
  }
  return steps;
}

/** A one-line file (etc/kernel/cmdline): the line as it is and as it should be. */
function lineEdit(file: string, text: string, add: readonly string[], remove: readonly string[]): BootStep[] {
  const now = cmdlineWords(text).map((w) => w.raw);
  return [say(`In ${file} change the line`), say(`    ${text.trim()}`), say('to'), say(`    ${editWords(now, add, remove).join(' ')}`)];
}

function family(model: Model): Set<string> {
  const os = model.host.osRelease;
  return new Set(os === null ? [] : [os.id ?? '', ...os.idLike].filter(Boolean));
}

function grubRefresh(b: BootFacts, fam: Set<string>): BootStep {
  if (b.tools.includes('update-grub') || fam.has('debian') || fam.has('ubuntu')) return cmd('sudo', 'update-grub');
  if (b.tools.includes('grub2-mkconfig') || fam.has('fedora') || fam.has('rhel') || fam.has('suse') || fam.has('opensuse')) return cmd('sudo', 'grub2-mkconfig', '-o', '/boot/grub2/grub.cfg');
  return cmd('sudo', 'grub-mkconfig', '-o', '/boot/grub/grub.cfg');
}

function grubby(add: readonly string[], remove: readonly string[]): BootStep[] {
  return [cmd('sudo', 'grubby', '--update-kernel=ALL', ...(add.length ? [`--args=${add.join(' ')}`] : []), ...(remove.length ? [`--remove-args=${remove.join(' ')}`] : []))];
}

function kernelstub(add: readonly string[], remove: readonly string[]): BootStep[] {
  return [...remove.map((r) => cmd('sudo', 'kernelstub', '-d', r)), ...add.map((a) => cmd('sudo', 'kernelstub', '-a', a))];
}

const KERNEL_INSTALL = say('then regenerate the boot entries, e.g.: sudo kernel-install add "$(uname -r)" "/lib/modules/$(uname -r)/vmlinuz"');

/** How to add and remove kernel parameters on this host. */
export function bootChange(model: Model, add: string[], remove: string[]): BootChange {
  const b = model.host.boot;
  const fam = family(model);
  const base = { add, remove };
  const one = (loader: string, evidence: string[], steps: BootStep[]): BootChange => ({ ...base, detected: true, options: [{ loader, evidence, steps }] });
  if (b !== null) {
    if (b.proxmoxBoot && b.kernelCmdline !== null) {
      return one('systemd-boot via proxmox-boot-tool (Proxmox VE)', ['etc/kernel/proxmox-boot-uuids', 'etc/kernel/cmdline'], [...lineEdit('/etc/kernel/cmdline', b.kernelCmdline, add, remove), cmd('sudo', 'proxmox-boot-tool', 'refresh')]);
    }
    if (b.proxmoxBoot) {
      return one('GRUB via proxmox-boot-tool (Proxmox VE)', ['etc/kernel/proxmox-boot-uuids', 'etc/default/grub'], [...grubEdit(b.grubDefault, add, remove), cmd('sudo', 'proxmox-boot-tool', 'refresh')]);
    }
    if (fam.has('pop') || b.tools.includes('kernelstub')) {
      return one('kernelstub (Pop!_OS)', [fam.has('pop') ? 'etc/os-release: ID=pop' : 'kernelstub'], kernelstub(add, remove));
    }
    if (b.tools.includes('grubby') || fam.has('fedora') || fam.has('rhel')) {
      return one('GRUB via grubby (Fedora, RHEL and relatives)', [b.tools.includes('grubby') ? 'grubby' : 'etc/os-release'], grubby(add, remove));
    }
    if (b.grubDefault !== null) {
      return one('GRUB', ['etc/default/grub'], [...grubEdit(b.grubDefault, add, remove), grubRefresh(b, fam)]);
    }
    if (b.kernelCmdline !== null) {
      return one('systemd-boot with kernel-install', ['etc/kernel/cmdline'], [...lineEdit('/etc/kernel/cmdline', b.kernelCmdline, add, remove), KERNEL_INSTALL]);
    }
    if (b.loaderEntries) {
      return one('systemd-boot', ['loader/entries'], [say(`In the entry you boot (loader/entries/*.conf on the ESP) edit the "options" line: ${[...remove.map((r) => `remove ${r}`), ...add.map((a) => `add ${a}`)].join(', ')}`)]);
    }
  }
  // Not recognised: the common ways, each labelled.
  const words = editWords([], add, []).join(' ');
  return {
    ...base,
    detected: false,
    options: [
      { loader: 'GRUB (Debian, Ubuntu, Arch, ...)', evidence: [], steps: [say(`In /etc/default/grub add ${words} to GRUB_CMDLINE_LINUX_DEFAULT${remove.length ? ` and remove ${remove.join(' ')}` : ''}`), cmd('sudo', 'update-grub'), say('(or: sudo grub-mkconfig -o /boot/grub/grub.cfg)')] },
      { loader: 'GRUB via grubby (Fedora, RHEL)', evidence: [], steps: grubby(add, remove) },
      { loader: 'systemd-boot via proxmox-boot-tool (Proxmox VE)', evidence: [], steps: [say(`In /etc/kernel/cmdline add ${words}${remove.length ? ` and remove ${remove.join(' ')}` : ''}`), cmd('sudo', 'proxmox-boot-tool', 'refresh')] },
      { loader: 'kernelstub (Pop!_OS)', evidence: [], steps: kernelstub(add, remove) },
    ],
  };
}
