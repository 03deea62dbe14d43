#!/bin/sh
# Live check for the speed work (issue 17), in the lab VM (../shared/lab-vm/run-tool.sh):
# every command's output from this build against an older build placed in OLD (default
# .tmp/old-build, a copy of another checkout's bin/, dist/ and package.json), and the time of
# `list --format json` on the kernel's own sysfs for both. Run as root, then as uid 1000.
OLD=${OLD:-.tmp/old-build}
NEW=.
same=0
differ=0
for c in "list --format json" "list --format plain" "list --format legacy" "buses --format json" "tree --format plain" "host --format json" "check 0000:0b:01.0 --format json" "check --group 0 --format json" "explain 0000:0b:01.0 --format json"; do
  node $OLD/bin/iommu-groups.js $c >/tmp/old.out 2>/tmp/old.err; orc=$?
  node $NEW/bin/iommu-groups.js $c >/tmp/new.out 2>/tmp/new.err; nrc=$?
  if cmp -s /tmp/old.out /tmp/new.out && cmp -s /tmp/old.err /tmp/new.err && [ $orc = $nrc ]; then
    same=$((same + 1)); echo "same  rc=$nrc $(wc -c </tmp/new.out) bytes: $c"
  else
    differ=$((differ + 1)); echo "DIFF  rc=$orc/$nrc: $c"; diff /tmp/old.out /tmp/new.out | head -20; diff /tmp/old.err /tmp/new.err | head -5
  fi
done
echo "outputs: $same same, $differ differ"
for b in old new; do
  d=$NEW; [ $b = old ] && d=$OLD
  for i in 1 2 3 4 5; do
    s=$(date +%s%N); node $d/bin/iommu-groups.js list --format json >/dev/null 2>&1; e=$(date +%s%N)
    echo "time $b list --format json: $(( (e - s) / 1000000 )) ms"
  done
done
s=$(date +%s%N); lspci -vmm -D -nn -k >/dev/null 2>&1; e=$(date +%s%N); echo "time lspci -vmm -D -nn -k: $(( (e - s) / 1000000 )) ms"
