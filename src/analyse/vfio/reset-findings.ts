// check's reset findings for one function: its methods and why one is missing, the AMD reset
// bug, and what a bus reset reaches when the function has no reset of its own.
import type { Device, Model } from '../../model/types.js';
import { finding, type Status } from '../findings/findings.js';
import type { FindingCode } from '../findings/finding-codes.js';
import { resetFacts } from './reset.js';
import { shellQuote } from './shell-quote.js';

export interface ResetFinding {
  code: FindingCode;
  status: Status;
  subject: string;
  message: string;
  evidence: string[];
}

const f = (code: FindingCode, status: Status, dev: Device, message: string, evidence: string[]): ResetFinding => finding(code, status, dev.name, message, evidence);

/** `request`: the names of every function the request passes (a bus reset must reach only them). */
export function resetFindings(model: Model, dev: Device, request: ReadonlySet<string>): ResetFinding[] {
  const pci = dev.pci;
  if (!pci) return [];
  const out: ResetFinding[] = [];
  const facts = resetFacts(model, dev);
  const why = facts && facts.why.length > 0 ? `; ${facts.why.join('; ')}` : '';
  if ('resetMethods' in dev.errors) {
    out.push(f('RESET_UNKNOWN', 'unknown', dev, `reset_method is unreadable (${dev.errors['resetMethods']})`, [`${dev.path}/reset_method`]));
  } else if (pci.resetMethods === null && !pci.hasReset && pci.configBytes === null && !('config' in dev.errors)) {
    // A live kernel always writes config; a tree without it is a partial capture, so the
    // absence of reset_method and reset says nothing.
    out.push(f('RESET_UNKNOWN', 'unknown', dev, 'reset: not in this capture (no reset_method, reset or config in the tree)', [`${dev.path}/config absent`]));
  } else if ((pci.resetMethods !== null && pci.resetMethods.length === 0) || (pci.resetMethods === null && !pci.hasReset)) {
    out.push(f('NO_RESET', 'warn', dev, `no reset method: the device may keep state between VMs, and stopping a VM can hang${why}`, [`${dev.path}/reset_method ${pci.resetMethods === null ? 'absent' : 'empty'}, reset ${pci.hasReset ? 'present' : 'absent'}`]));
  } else if (pci.resetMethods !== null && facts?.busStale && pci.resetMethods.every((m) => m === 'bus')) {
    // Seen in the lab (6.1): such a function opened by VFIO reports VFIO_DEVICE_FLAGS_RESET = 0.
    out.push(f('NO_RESET', 'warn', dev, `no reset method that works: the device may keep state between VMs, and stopping a VM can hang; reset methods: bus${why}`, [`${dev.path}/reset_method`, ...facts.bus!.others.filter((o) => o.pci?.upstream[0] === facts.bus!.bridge).map((o) => `${o.path} on the same bus`)]));
  } else if (pci.resetMethods !== null) {
    out.push(f('RESET', 'ok', dev, `reset methods: ${pci.resetMethods.join(' ')}${why}`, [`${dev.path}/reset_method`]));
  }
  if (!facts) return out;
  if (facts.amd) out.push(f('AMD_RESET_BUG', facts.amd.handled ? 'ok' : 'warn', dev, facts.amd.line, [`${dev.path}/device = 0x${pci.device!.toString(16).padStart(4, '0')}`, ...(pci.resetMethods !== null ? [`${dev.path}/reset_method`] : []), 'sys/module/vendor_reset']));
  busScope(dev, facts, request, out);
  return out;
}

/**
 * A function with no reset of its own (only `bus`, or none): QEMU resets it with VFIO's hot reset,
 * a secondary bus reset of the bridge above, which reaches every device below that bridge; VFIO
 * does it only when each of them is bound to vfio-pci and opened by the same user.
 */
function busScope(dev: Device, facts: NonNullable<ReturnType<typeof resetFacts>>, request: ReadonlySet<string>, out: ResetFinding[]): void {
  if (facts.methods === null || facts.ownReset || facts.bus === null) return;
  const others = facts.bus.others;
  const outside = others.filter((o) => !request.has(o.name));
  const evidence = [`${dev.path}/reset_method`, ...others.map((o) => `${o.path} below ${facts.bus!.bridge}`)];
  if (others.length === 0) {
    out.push(f('BUS_RESET_SCOPE', 'info', dev, `it has no reset of its own; a bus reset (the secondary bus of ${facts.bus.bridge}) reaches nothing else`, evidence));
  } else if (outside.length === 0) {
    out.push(f('BUS_RESET_SCOPE', 'info', dev, `it has no reset of its own; a bus reset of ${facts.bus.bridge}'s secondary bus also resets ${others.map((o) => o.name).join(', ')}, all in this request: VFIO's hot reset can reset them together`, evidence));
  } else {
    out.push(
      f(
        'BUS_RESET_SCOPE',
        'warn',
        dev,
        `it has no reset of its own, so QEMU resets it with a bus reset of ${facts.bus.bridge}'s secondary bus (VFIO hot reset), which also resets ${outside.map((o) => `${o.name}${o.driver ? ` (${o.driver})` : ''}`).join(', ')}: VFIO does that only when every device it reaches is bound to vfio-pci and given to the same VM, so without them the device is not reset between VMs; what would change it: pass them too (iommu-groups check ${[dev.name, ...outside.map((o) => o.name)].map(shellQuote).join(' ')})`,
        evidence,
      ),
    );
  }
}
