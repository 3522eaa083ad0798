#!/usr/bin/env bash
# Installs the built tree into a temporary prefix, then builds and runs a
# consumer and a driver-style C source, with find_package(wdfio) (wdfio::wdfio,
# wdfio::kmdf) and with pkg-config (wdfio, wdfio-kmdf).
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "$0")" && pwd)
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
cmake -S "$source_dir/consumer" -B "$prefix/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/consumer-build" >/dev/null
"$prefix/consumer-build/consumer"
"$prefix/consumer-build/consumer_driver"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
  g++ -o "$prefix/consumer-pc" "$source_dir/consumer/main.cpp" $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs --static wdfio)
LD_LIBRARY_PATH="$prefix/lib" "$prefix/consumer-pc"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
gcc -std=c11 -Wall -Wextra -Werror -c -o "$prefix/driver-pc.o" "$source_dir/consumer/driver.c" \
  $(pkg-config --cflags wdfio-kmdf)
g++ -o "$prefix/driver-pc" "$prefix/driver-pc.o" $(pkg-config --libs --static wdfio-kmdf)
LD_LIBRARY_PATH="$prefix/lib" "$prefix/driver-pc"
echo "install check passed"
