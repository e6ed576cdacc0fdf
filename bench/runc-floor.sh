#!/usr/bin/env bash
# The least a Fargate task start needs on this host, done by hand with the same tools neargate
# uses, for bench/task-start.ts to compare against. One container per run, started detached:
#   plain    runc create + runc start, with runc's own fresh namespaces (network too, left empty)
#            and its own cgroup without limits: what `runc run` does before the process runs
#   task     a task's host work: a network namespace with a veth on a subnet bridge, address and
#            default route (two `ip -batch` calls), a task cgroup with a CPU quota and a memory
#            limit (v1: cpu and memory hierarchies; v2: cpu.max, memory.max), an overlayfs rootfs
#            over the image layer, then runc create + start of the container in both
#   conmon   task, with runc create run by conmon, the supervisor that outlives the server
# Each run prints one line: total, network, cgroup, mount, create, start (ms, from $EPOCHREALTIME).
# Only the start is timed: teardown (runc delete, umount, netns and veth, cgroup) happens after.
#
#   bench/runc-floor.sh MODE LAYER_DIR WORK_DIR RUNS
# Needs root, runc, conmon, iproute2 and jq. Uses the bridge tffloor0, 10.187.0.0/24 and the
# cgroup /neargate-floor, and removes them on exit.
set -euo pipefail
mode=$1 layer=$2 work=$3 runs=$4
prefix=tf
bridge=${prefix}floor0
cgparent=neargate-floor
mkdir -p "$work"
runc_root=$work/runc
mkdir -p "$runc_root"

# Microseconds from $EPOCHREALTIME, read without a subshell so the timing forks nothing.
ms() { printf '%d.%03d' $((($2 - $1) / 1000)) $((($2 - $1) % 1000)); }

if [ -d /sys/fs/cgroup/cpu ] && [ -d /sys/fs/cgroup/memory ]; then cgv=1; else cgv=2; fi

# The container's config: runc's default spec, as neargate's containers, with placeholders.
rm -f "$work/config.json"
runc spec --bundle "$work"
template=$(jq -c --arg mode "$mode" '
  .process.terminal = false | .process.args = ["sleep", "3600"] | .root.readonly = false
  | .root.path = "@ROOTFS@" | .linux.cgroupsPath = "@CGROUP@"
  | if $mode == "plain" then . else
      .linux.namespaces |= map(if .type == "network" then . + {path: "@NETNS@"} else . end)
    end' "$work/config.json")

# Removes what run $i made; safe to call for a run half made.
teardown_run() {
  runc --root "$runc_root" delete --force "$id" >/dev/null 2>&1 || true
  if [ -f "$dir/conmon.pid" ]; then
    local pid
    pid=$(cat "$dir/conmon.pid")
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
  fi
  mountpoint -q "$dir/rootfs" && umount -n -i "$dir/rootfs"
  ip link del "$veth" 2>/dev/null || true
  [ -e "/run/netns/$ns" ] && ip netns del "$ns"
  for d in /sys/fs/cgroup/*$cgtask /sys/fs/cgroup$cgtask; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  rm -rf "$dir"
}
cleanup() {
  [ -n "${id:-}" ] && teardown_run
  ip link del "$bridge" 2>/dev/null || true
  for d in /sys/fs/cgroup/*/"$cgparent" /sys/fs/cgroup/"$cgparent"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}
trap cleanup EXIT
if [ "$mode" != plain ]; then
  ip link add "$bridge" type bridge 2>/dev/null || true
  ip addr replace 10.187.0.1/24 dev "$bridge"
  ip link set "$bridge" up
fi
if [ $cgv = 2 ]; then
  echo '+cpu +memory +pids' >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
  mkdir -p /sys/fs/cgroup/$cgparent
  echo '+cpu +memory +pids' >/sys/fs/cgroup/$cgparent/cgroup.subtree_control
fi

for i in $(seq 1 "$runs"); do
  id=floor-$$-$i
  ns=$prefix-floor-$i
  veth=${prefix}f$i
  dir=$work/$id
  mkdir -p "$dir"/rootfs "$dir"/upper "$dir"/work
  cgtask=/$cgparent/$id
  t0=${EPOCHREALTIME/./}
  if [ "$mode" != plain ]; then
    printf 'netns add %s\nlink add %s master %s up type veth peer name eth0 address 02:00:0a:c7:00:%02x netns %s\n' \
      "$ns" "$veth" "$bridge" $((i % 250 + 2)) "$ns" | ip -batch -
    printf 'link set lo up\nlink set eth0 up\naddr replace 10.187.0.%d/24 dev eth0\nroute replace default via 10.187.0.1 dev eth0\n' \
      $((i % 250 + 2)) | ip -n "$ns" -batch -
  fi
  t1=${EPOCHREALTIME/./}
  if [ "$mode" != plain ]; then
    if [ $cgv = 1 ]; then
      mkdir -p /sys/fs/cgroup/cpu$cgtask /sys/fs/cgroup/memory$cgtask
      echo 100000 >/sys/fs/cgroup/cpu$cgtask/cpu.cfs_period_us
      echo 25000 >/sys/fs/cgroup/cpu$cgtask/cpu.cfs_quota_us
      echo $((512 * 1024 * 1024)) >/sys/fs/cgroup/memory$cgtask/memory.limit_in_bytes
    else
      mkdir -p /sys/fs/cgroup$cgtask
      echo '25000 100000' >/sys/fs/cgroup$cgtask/cpu.max
      echo $((512 * 1024 * 1024)) >/sys/fs/cgroup$cgtask/memory.max
      echo '+cpu +memory +pids' >/sys/fs/cgroup$cgtask/cgroup.subtree_control
    fi
  fi
  t2=${EPOCHREALTIME/./}
  if [ "$mode" != plain ]; then
    mount -n -i -t overlay -o "lowerdir=$layer,upperdir=$dir/upper,workdir=$dir/work" floor "$dir/rootfs"
    rootfs=$dir/rootfs
  else
    rootfs=$layer
  fi
  t3=${EPOCHREALTIME/./}
  config=${template//@ROOTFS@/$rootfs}
  config=${config//@CGROUP@/$cgtask/app}
  config=${config//@NETNS@//run/netns/$ns}
  printf '%s' "$config" >"$dir/config.json"
  if [ "$mode" = conmon ]; then
    # conmon reports the container's pid on its sync pipe (fd 3) once runc create succeeded.
    mkfifo "$dir/sync"
    _OCI_SYNCPIPE=3 conmon --api-version 1 --cid "$id" --cuuid "$id" --name "$id" \
      --runtime /usr/sbin/runc --runtime-arg=--root="$runc_root" --bundle "$dir" \
      --persist-dir "$dir" --exit-dir "$dir" --container-pidfile "$dir/pid" \
      --conmon-pidfile "$dir/conmon.pid" --log-path "k8s-file:$dir/log" --full-attach \
      3>"$dir/sync" </dev/null >/dev/null 2>&1 &
    read -r sync <"$dir/sync"
    wait $!
    [[ $sync =~ \"data\":\ *[1-9] ]] || { echo "conmon: $sync" >&2; exit 1; }
  else
    runc --root "$runc_root" create --bundle "$dir" "$id" </dev/null >/dev/null 2>&1
  fi
  t4=${EPOCHREALTIME/./}
  runc --root "$runc_root" start "$id"
  t5=${EPOCHREALTIME/./}
  echo "$(ms $t0 $t5) $(ms $t0 $t1) $(ms $t1 $t2) $(ms $t2 $t3) $(ms $t3 $t4) $(ms $t4 $t5)"

  teardown_run
  id=
done
