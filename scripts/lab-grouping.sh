#!/bin/sh
# Live kernel-faithful grouping in the lab guest (../shared/lab-vm/run-tool.sh q35-intel . OUT -- 'sh scripts/lab-grouping.sh'):
# does the rules' prediction (with the kernel's quirks) equal the live kernel's groups, as root and
# as uid 1000 (64-byte config reads: unknown, never a guess)? Prints each command, its output and rc.
T="node --import ./test/trap-fs.mjs bin/iommu-groups.js"
echo "=== prediction vs the live kernel's groups"
node -e 'Promise.all([import("./dist/read/read-model.js"),import("./dist/analyse/grouping/kernel-grouping.js")]).then(([m,k])=>{const kp=k.kernelPrediction(m.readModel("/"));console.log(JSON.stringify({matches:kp.matches,differs:kp.differs,unknown:kp.prediction.unknown.size,groups:kp.prediction.groups().length,evidence:kp.evidence}))})'
echo "=== explain 08:00.0 --assume pcie_acs_override=downstream"
$T explain 08:00.0 --assume pcie_acs_override=downstream --format plain
echo "=== rc=$?"
echo "=== explain 01:00.0 --assume pci=config_acs=xxxx0xx@0000:00:02.0"
$T explain 01:00.0 --assume 'pci=config_acs=xxxx0xx@0000:00:02.0' --format plain
echo "=== rc=$?"
echo "=== tree: bridge verdicts"
$T tree --format table --color never | grep -E "ISOLATE|isolat"
echo "=== rc=$?"
echo "=== list json: bridgeIsolation per bridge"
$T list --format json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const d=JSON.parse(s);for(const g of d.groups)for(const m of g.members)if(m.bridgeIsolation)console.log(m.name,m.bridgeIsolation.result,m.bridgeIsolation.kernel,m.bridgeIsolation.quirk)})'
