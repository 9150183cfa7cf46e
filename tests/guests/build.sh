#!/usr/bin/env bash
# Rebuild the bare-metal test guests (tests/guests/) and bench guests
# (bench/guests/) for QEMU virt / hvsh: raw images linked at 0x4008_0000
# (<name>.bin, what the manifest boots) plus the same link as ELF (<name>.elf,
# for objdump/gdb). Deterministic: fixed flags, -ffile-prefix-map, no debug
# info, no build-id, no timestamps; the same toolchain gives the same bytes.
#
#   tests/guests/build.sh            rebuild and write the committed binaries
#   tests/guests/build.sh --check    rebuild in a temporary directory and compare
#                                    with the committed binaries (exit 1 if they differ)
#
# Needs the Debian packages gcc-aarch64-linux-gnu and binutils-aarch64-linux-gnu
# (built and committed with gcc 12.2.0 / binutils 2.40).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CROSS=${CROSS:-aarch64-linux-gnu-}

missing=()
for t in gcc ld objcopy; do
  command -v "${CROSS}$t" >/dev/null 2>&1 || missing+=("${CROSS}$t")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "build.sh: cannot rebuild the guests: ${missing[*]} not found." >&2
  echo "build.sh: install gcc-aarch64-linux-gnu and binutils-aarch64-linux-gnu (apt-get install ...);" >&2
  echo "build.sh: the committed .bin/.elf files are left as they are." >&2
  exit 1
fi

check=0
[ "${1:-}" = "--check" ] && check=1

export LC_ALL=C SOURCE_DATE_EPOCH=0
build=$(mktemp -d /tmp/hvsh-guests.XXXXXX)
trap 'rm -rf "$build"' EXIT

CFLAGS=(-O2 -mgeneral-regs-only -ffreestanding -nostdlib -static -fno-pie -no-pie
  -march=armv8-a -mstrict-align -mno-outline-atomics -fno-stack-protector
  -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-tree-loop-distribute-patterns
  -fno-ident -std=gnu11 -Wall -Wextra -Werror "-ffile-prefix-map=$root/=" -I"$here")
LDFLAGS=(-T "$here/lib/link.ld" -Wl,--build-id=none -Wl,-n -Wl,--no-warn-rwx-segments)

cd "$root"
# guest <dir> <name> <sources...>: compile and link; C guests get lib/crt0.S and lib/rt.c.
guest() {
  local dir=$1 name=$2
  shift 2
  local srcs=("$@")
  case "${srcs[0]}" in
    *.c) srcs=(tests/guests/lib/crt0.S tests/guests/lib/rt.c tests/guests/lib/exc.S "${srcs[@]}") ;;
  esac
  mkdir -p "$build/$dir/$name.o.d"
  local objs=() src obj
  for src in "${srcs[@]}"; do
    obj=$build/$dir/$name.o.d/$(basename "$src").o
    "${CROSS}gcc" "${CFLAGS[@]}" -c -o "$obj" "$src"
    objs+=("$obj")
  done
  # Objects are named after their source, not gcc's random temporaries: the
  # ELF's STT_FILE symbols carry these names.
  "${CROSS}gcc" "${CFLAGS[@]}" "${LDFLAGS[@]}" -o "$build/$dir/$name.elf" "${objs[@]}"
  "${CROSS}objcopy" -O binary "$build/$dir/$name.elf" "$build/$dir/$name.bin"
}

guest tests/guests discovery tests/guests/discovery.c
guest tests/guests vectors tests/guests/vectors.S tests/guests/lib/asmlib.S
guest tests/guests mmu tests/guests/mmu.c
guest tests/guests smp tests/guests/smp.c
guest tests/guests timer tests/guests/timer.c
guest tests/guests hypstub tests/guests/hypstub.S tests/guests/lib/asmlib.S
guest tests/guests granule tests/guests/granule.c
guest bench/guests alu bench/guests/alu.c bench/guests/alu_loop.S
guest bench/guests sieve bench/guests/sieve.c
guest bench/guests hvcloop bench/guests/hvcloop.c bench/guests/hvcloop_loop.S

status=0
for f in $(cd "$build" && find . -name '*.elf' -o -name '*.bin' | sort); do
  f=${f#./}
  if [ $check = 1 ]; then
    if ! cmp -s "$build/$f" "$root/$f"; then
      echo "differs: $f"
      status=1
    fi
  else
    cp "$build/$f" "$root/$f"
    echo "built $f ($(wc -c <"$root/$f") bytes)"
  fi
done
[ $check = 1 ] && [ $status = 0 ] && echo "build.sh: all binaries match the sources"
exit $status
