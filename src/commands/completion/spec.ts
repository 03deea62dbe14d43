// `completion bash|zsh`: a completion script written from the command table.
import type { CommandSpec } from '../../cli/spec.js';

export const completion: CommandSpec = {
  name: 'completion',
  description: 'Print a bash or zsh completion script.',
  args: [{ name: '<shell>', help: 'bash or zsh', choices: ['bash', 'zsh'] }],
  options: [],
  formats: null,
  examples: [
    'eval "$(iommu-groups completion bash)"                       # this shell',
    'iommu-groups completion bash | sudo tee /usr/share/bash-completion/completions/iommu-groups',
    'iommu-groups completion zsh > "${fpath[1]}/_iommu-groups"',
  ],
  exits: null,
  run: async (ctx, args) => {
    const [{ COMMANDS }, { completionScript, completionSpecs }] = await Promise.all([import('../table.js'), import('../../render/completion.js')]);
    ctx.out(completionScript(args[0] as 'bash' | 'zsh', completionSpecs(COMMANDS)));
    return 'ok';
  },
};
