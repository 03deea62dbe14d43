#!/bin/sh
# Snapshot of a live kernel, checked against the live answers. Runs inside the lab VM (not part of
# npm test; about a minute as root and as uid 1000):
#   ../shared/lab-vm/run-tool.sh q35-intel-vfio . /tmp/lab -- 'sh scripts/lab-snapshot.sh'
# Prints "same" or "DIFF" (with the diff) per command, then the snapshot's own lists.
T=bin/iommu-groups.js
W=$(mktemp -d)
node $T snapshot "$W/s.tar.gz"; echo "snapshot rc=$?"
mkdir "$W/x" && tar xzf "$W/s.tar.gz" -C "$W/x"
for c in "list --format json" "list --format legacy" "buses --format json" "host --format json" \
  "check 0000:02:00.0 0000:0b:01.0 --format json" "explain 0000:02:00.0" "tree --format plain" \
  "list --format prometheus" "list --format nfd"; do
  # JSON names the root it read; that line is expected to differ.
  node $T $c > "$W/raw" 2>&1; a=$?; grep -v '^  "root": ' "$W/raw" > "$W/live"
  node $T $c --root "$W/x" > "$W/raw" 2>&1; b=$?; grep -v '^  "root": ' "$W/raw" > "$W/snap"
  if cmp -s "$W/live" "$W/snap" && [ "$a" = "$b" ]; then echo "same rc=$a: $c"; else echo "DIFF rc=$a/$b: $c"; diff "$W/live" "$W/snap" | head -40; fi
done
echo "unreadable: $(wc -l < "$W/x/snapshot-meta/unreadable.txt")"; head -5 "$W/x/snapshot-meta/unreadable.txt"
echo "stand-ins: $(cat "$W/x/snapshot-meta/stand-ins.txt" | tr '\n' ' ')"
echo "skipped: $(wc -l < "$W/x/snapshot-meta/skipped.txt")"
echo "tar.gz bytes: $(wc -c < "$W/s.tar.gz")"
node $T snapshot "$W/dir" > /dev/null; echo "directory snapshot rc=$?"
node $T snapshot /proc/nope.tar.gz; echo "under /proc rc=$?"
node $T snapshot /nonexistent-dir/nope.tar.gz; echo "missing parent rc=$?"
[ "$(id -u)" = 0 ] || { node $T snapshot /root/nope.tar.gz; echo "unwritable rc=$?"; }
rm -rf "$W"
