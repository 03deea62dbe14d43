#!/bin/sh
# Live pre-flight check in the lab guest (../shared/lab-vm/run-tool.sh q35-intel-vfio . OUT -- 'sh scripts/lab-check.sh'):
# every request of the README's outcomes table against the real kernel, under the read-only fs
# trap, as root and (the runner's second pass) as uid 1000. Prints each command, its output and rc.
T="node --import ./test/trap-fs.mjs bin/iommu-groups.js"
for c in "02:00.0" "0b:01.0" "0b:01.0 0b:02.0" "05:00.0" "05:00.0 05:00.1" "00:1f.2" "00:00.0" "00:02.0" "01:00.0" "09:00.0" "--group 21"; do
  echo "=== check $c"
  $T check $c --format plain
  echo "=== rc=$?"
done
echo "=== check 0b:01.0 (table)"
$T check 0b:01.0 --format table --color never
echo "=== rc=$?"
echo "=== check 02:00.0 (json outcome and groups[0].findings codes)"
$T check 02:00.0 --format json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const d=JSON.parse(s);console.log(d.outcome, d.groups[0].findings.map(f=>f.code+":"+f.status).join(" "))})'
echo "=== host facts read live"
node -e 'import("./dist/read/read-model.js").then(m=>{const h=m.readModel("/",{preflight:true}).host;console.log(JSON.stringify({routes:h.defaultRouteInterfaces,net:h.netInterfaces&&h.netInterfaces.map(n=>n.name),swaps:h.swaps,mounted:h.mounted&&h.mounted.length,modules:h.driverModules,os:h.osRelease,errors:h.errors}))})'
