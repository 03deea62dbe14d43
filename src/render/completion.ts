// Shell completion for bash and zsh, generated from the commands and options commander knows, so
// it cannot drift from the CLI. zsh uses the same function through bashcompinit.
export interface CommandSpec {
  name: string;
  options: string[];
}

const VALUES: Record<string, string> = {
  '--format': 'table json plain legacy prometheus nfd dot',
  '--color': 'auto always never',
  '--class': 'gpu net storage usb audio bridge serial multimedia crypto accelerator',
};

export function completionScript(shell: 'bash' | 'zsh', commands: readonly CommandSpec[]): string {
  const cases = commands.map((c) => `    ${c.name}) opts=${sq(c.options.join(' '))} ;;`).join('\n');
  const values = Object.entries(VALUES).map(([k, v]) => `    ${k}) COMPREPLY=( $(compgen -W ${sq(v)} -- "$cur") ); return ;;`).join('\n');
  const body = `# iommu-groups ${shell} completion: eval "$(iommu-groups completion ${shell})"
_iommu_groups() {
  local cur prev cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${sq(commands.map((c) => c.name).join(' ') + ' --help --version')} -- "$cur") )
    return
  fi
  case "$prev" in
${values}
    --root|--pci-ids) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    --device) COMPREPLY=( $(compgen -W "$(ls /sys/bus/pci/devices 2>/dev/null)" -- "$cur") ); return ;;
    --group) COMPREPLY=( $(compgen -W "$(ls /sys/kernel/iommu_groups 2>/dev/null)" -- "$cur") ); return ;;
  esac
  case "$cmd" in
${cases}
    *) opts='' ;;
  esac
  if [[ "$cur" != -* && ( "$cmd" == check || "$cmd" == explain ) ]]; then
    COMPREPLY=( $(compgen -W "$(ls /sys/bus/pci/devices 2>/dev/null)" -- "$cur") )
    return
  fi
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -F _iommu_groups iommu-groups
`;
  return shell === 'bash' ? body : `#compdef iommu-groups\nautoload -U +X bashcompinit && bashcompinit\n${body}`;
}

function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
