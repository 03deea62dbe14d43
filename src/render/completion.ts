// Shell completion for bash and zsh, generated from the command table (cli/spec.ts), so it cannot
// drift from the CLI: each command offers only its own options and formats.
// zsh runs the same function through bashcompinit.
import { allOptions } from '../cli/common-options.js';
import type { CommandSpec as Command } from '../cli/spec.js';
//
// bash splits a word at the colons of COMP_WORDBREAKS, so "0000:00:0<Tab>" would reach the
// function as "0000" ":" "00" ":" "0" and complete to "0000:00:0000:00:0". The function reads
// the word from the line itself (COMP_LINE up to COMP_POINT) and, in bash, hands back only what
// follows the last colon, as bash-completion's __ltrim_colon_completions does.
export interface CompletionSpec {
  name: string;
  options: string[];
  /** Values per option (commander's choices, and --class's names). */
  values: Record<string, string[]>;
  /** Values of its positional argument, if it has fixed ones (completion bash|zsh). */
  argValues?: string[];
  /** Its positional arguments are PCI addresses (check, explain). */
  addresses?: boolean;
  /** Its positional argument is a path (snapshot OUT): files and directories, a directory ending in /. */
  paths?: boolean;
}

/** What completion needs of each command in the table: option names, their values, its arguments. */
export function completionSpecs(table: readonly Command[]): CompletionSpec[] {
  return table.map((c) => {
    const options = allOptions(c);
    const values: Record<string, string[]> = {};
    for (const o of options) if (o.choices) values[long(o.flags)] = [...o.choices];
    for (const o of options) if (o.complete) values[long(o.flags)] = [...o.complete];
    const arg = c.args?.[0];
    return {
      name: c.name,
      options: [...options.map((o) => long(o.flags)), '--help'],
      values,
      ...(arg?.choices ? { argValues: [...arg.choices] } : {}),
      ...(c.complete === 'addresses' ? { addresses: true } : {}),
      ...(c.complete === 'paths' ? { paths: true } : {}),
    };
  });
}

const long = (flags: string) => flags.split(' ')[0]!;

export function completionScript(shell: 'bash' | 'zsh', commands: readonly CompletionSpec[]): string {
  const cases = commands
    .map((c) => {
      const vals = Object.entries(c.values).map(([o, v]) => `${o}) vals=${sq(v.join(' '))} ;;`);
      const args = c.argValues ? ` args=${sq(c.argValues.join(' '))};` : c.addresses ? ' args=ADDRESSES;' : c.paths ? ' args=PATHS;' : '';
      return `    ${c.name}) opts=${sq(c.options.join(' '))};${args}${vals.length ? ` case "$prev" in ${vals.join(' ')} esac` : ''} ;;`;
    })
    .join('\n');
  const body = `# iommu-groups ${shell} completion: eval "$(iommu-groups completion ${shell})"
# Paths: files and directories, as readline shows file names (a directory ends in / and descends).
_iommu_groups_paths() {
  compopt -o filenames 2>/dev/null
  local IFS=$'\\n'
  COMPREPLY=( $(compgen -f -- "$cur") )
}
_iommu_groups() {
  local line cur before prev cmd opts='' vals='' args='' words
  line="\${COMP_LINE:0:$COMP_POINT}"
  cur="\${line##*[[:space:]]}"
  before="\${line%"$cur"}"
  before="\${before%"\${before##*[![:space:]]}"}"
  prev="\${before##*[[:space:]]}"
  cmd="\${COMP_WORDS[1]}"
  COMPREPLY=()
  if [[ "$before" != *[[:space:]]* ]]; then
    words=${sq(commands.map((c) => c.name).join(' ') + ' --help --version')}
  else
    case "$cmd" in
${cases}
    esac
    case "$prev" in
      --root|--pci-ids) _iommu_groups_paths; return ;;
      --device) words="$(ls /sys/bus/pci/devices 2>/dev/null)" ;;
      --group) words="$(ls /sys/kernel/iommu_groups 2>/dev/null)" ;;
      *)
        if [[ -n "$vals" ]]; then words="$vals"
        elif [[ "$cur" == -* || -z "$args" ]]; then words="$opts"
        elif [[ "$args" == PATHS ]]; then _iommu_groups_paths; return
        elif [[ "$args" == ADDRESSES ]]; then words="$(ls /sys/bus/pci/devices 2>/dev/null)"
        else words="$args"; fi ;;
    esac
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  if [[ -n "\${BASH_VERSION-}" && "$cur" == *:* && "\${COMP_WORDBREAKS-}" == *:* ]]; then
    local pre="\${cur%"\${cur##*:}"}" i
    for i in "\${!COMPREPLY[@]}"; do COMPREPLY[$i]="\${COMPREPLY[$i]#"$pre"}"; done
  fi
}
complete -F _iommu_groups iommu-groups
`;
  return shell === 'bash' ? body : `#compdef iommu-groups\nautoload -U +X bashcompinit && bashcompinit\n${body}`;
}

function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
