#!/bin/sh
# Live check for the speed work (issue 17), in the lab VM (../shared/lab-vm/run-tool.sh):
# every command's output from this build against an older build placed in OLD (default
# .tmp/old-build, a copy of another checkout's bin/, dist/ and package.json), and the time of
# `list --format json` on the kernel's own sysfs for both. Run as root, then as uid 1000.
OLD=${OLD:-.tmp/old-build}
NEW=.
T=$(mktemp -d) # each user its own scratch
same=0
differ=0
for c in "list --format json" "list --format plain" "list --format legacy" "buses --format json" "tree --format plain" "host --format json" "check 0000:0b:01.0 --format json" "check --group 0 --format json" "explain 0000:0b:01.0 --format json"; do
  node $OLD/bin/iommu-groups.js $c >$T/old.out 2>$T/old.err; orc=$?
  node $NEW/bin/iommu-groups.js $c >$T/new.out 2>$T/new.err; nrc=$?
  if cmp -s $T/old.out $T/new.out && cmp -s $T/old.err $T/new.err && [ $orc = $nrc ]; then
    same=$((same + 1)); echo "same  rc=$nrc $(wc -c <$T/new.out) bytes: $c"
  else
    differ=$((differ + 1)); echo "DIFF  rc=$orc/$nrc: $c"; diff $T/old.out $T/new.out | head -20; diff $T/old.err $T/new.err | head -5
  fi
done
echo "outputs: $same same, $differ differ"
# Medians of 5 runs each, timed by node (busybox date has no nanoseconds).
node -e '
const { spawnSync } = require("child_process");
const med = (cmd, args) => {
  const t = [];
  for (let i = 0; i < 5; i++) { const s = process.hrtime.bigint(); spawnSync(cmd, args, { stdio: "ignore" }); t.push(Number(process.hrtime.bigint() - s) / 1e6); }
  return t.sort((a, b) => a - b)[2].toFixed(0);
};
const [oldDir] = process.argv.slice(1);
for (const [name, dir] of [["old", oldDir], ["new", "."]]) console.log(`time ${name} list --format json: median ${med(process.execPath, [dir + "/bin/iommu-groups.js", "list", "--format", "json"])} ms`);
console.log(`time lspci -vmm -D -nn -k: median ${med("lspci", ["-vmm", "-D", "-nn", "-k"])} ms`);
' "$OLD"
rm -rf "$T"
