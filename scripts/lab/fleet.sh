# Lab VM only: diff, pin and check --expect, and the library, on the live kernel, as root and as a
# user (who reads 64 bytes of config: no serial numbers). The root run leaves /tmp/pins-0.json for
# the user run to check against.
# ../shared/lab-vm/run-tool.sh q35-intel-vfio . OUT -- "sh scripts/lab/fleet.sh"
set -u
T="node bin/iommu-groups.js"
u=$(id -u)
echo "=== snapshot, then diff it against the live tree"
$T snapshot /tmp/snap-$u.tar.gz; echo "rc=$?"
$T diff /tmp/snap-$u.tar.gz --format table; echo "rc=$?"
echo "=== diff: the bundled capture (an earlier boot of this machine, kernel 6.1.0-56) -> live"
$T diff test/fixtures/sysfs/q35-intel-vfio.tar.gz --format table; echo "rc=$?"
echo "=== list --format prometheus --baseline"
$T list --format prometheus --baseline test/fixtures/sysfs/q35-intel.tar.gz | grep '^iommu_groups_changes' | grep -v ' 0$'
echo "=== pin and check --expect"
$T pin 01:00.0 0b:01.0 > /tmp/pins-$u.json; echo "rc=$?"
grep '"identity"' /tmp/pins-$u.json | head -2
$T check --expect /tmp/pins-$u.json --format plain; echo "rc=$?"
if [ "$u" != 0 ] && [ -r /tmp/pins-0.json ]; then
  echo "=== the root run's pins (with serial numbers), checked as uid $u (without)"
  $T check --expect /tmp/pins-0.json --format json | node -e 'const d=JSON.parse(require("fs").readFileSync(0));for(const g of d.groups)for(const f of g.findings)if(f.code.startsWith("PIN_"))console.log(f.code,f.subject,f.message)'
fi
echo "=== the library"
node -e 'import("/opt/tool/dist/api.js").then(async (m) => { const d = await m.check(["0b:01.0"]); const l = await m.list(); console.log(d.outcome, l.iommu.active, l.groups.length); try { await m.check(["7f:00.0"]); } catch (e) { console.log(e.name, e.exitCode, e.message); } })'
