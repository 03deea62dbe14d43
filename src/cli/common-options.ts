// The options every report command takes (--root, --format, --color, --pci-ids, --wide), as specs.
import type { CommandSpec, OptionSpec } from './spec.js';

export function commonOptions(formats: readonly string[]): OptionSpec[] {
  return [
    { flags: '--root <dir>', help: 'read the sysfs tree under DIR (a snapshot or capture) instead of /' },
    { flags: '--format <format>', help: 'output format (default: table on a terminal, plain otherwise)', choices: formats },
    { flags: '--color <when>', help: 'colour in table output', choices: ['auto', 'always', 'never'], default: 'auto' },
    { flags: '--pci-ids <file>', help: 'pci.ids database for names (default: where lspci looks)' },
    { flags: '--wide', help: 'full text in table output even on a narrow terminal (no cutting or wrapping)' },
  ];
}

/** A command's options in --help order: its own, then the common ones it takes. */
export function allOptions(c: Pick<CommandSpec, 'options' | 'formats'>): OptionSpec[] {
  return [...c.options, ...(c.formats === null ? [] : commonOptions(c.formats))];
}
