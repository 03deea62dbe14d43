// Colour, decided once per run: --color, then NO_COLOR, FORCE_COLOR, TERM=dumb, a terminal.
import type { ChalkInstance } from 'chalk';

export type ColourWhen = 'auto' | 'always' | 'never';

export function colourLevel(when: ColourWhen, env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 {
  if (when === 'never') return 0;
  if (when === 'always') return 1;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return 0;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force === '0' || force === 'false' ? 0 : 1;
  if (env['TERM'] === 'dumb') return 0;
  return isTTY ? 1 : 0;
}

/** chalk at a level (loaded when a renderer asks: --version and plain output never load it). */
export async function chalkAt(level: 0 | 1): Promise<ChalkInstance> {
  const { Chalk } = await import('chalk');
  return new Chalk({ level });
}
