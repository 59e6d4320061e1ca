#!/bin/sh
# Builds src/io/codecs/zstd-decoder.wasm: the decompressor of zstd 1.5.7 (the reference C library,
# BSD licence: assembly/zstd/LICENSE) and assembly/zstd/decoder.c, for wasm32 with SIMD.
# Not part of `npm ci` or `npm run build` (the .wasm is committed); run it after changing decoder.c
# or the zstd version. huf-fast-wasm32.patch lets zstd's fast Huffman loops run on wasm32 (see
# there). Needs clang and lld with the wasm32 target, and wasi-libc for malloc/memcpy (Debian: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32). The zstd sources come from
# the npm registry: zstd-napi vendors the release under deps/zstd (its tarball's hash is pinned here).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT="$ROOT/src/io/codecs/zstd-decoder.wasm"
PKG=zstd-napi@0.0.13
SHA256=5b76defc67c808989c5f3920e14f662d6318b84b8d53ac3e94b99463d8d65e76
CLANG=${CLANG:-clang}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "$PKG" >/dev/null)
TGZ=$(ls "$WORK"/*.tgz)
echo "$SHA256  $TGZ" | sha256sum -c --quiet -
tar xzf "$TGZ" -C "$WORK" package/deps/zstd
Z="$WORK/package/deps/zstd/lib"
grep -q '#define ZSTD_VERSION_RELEASE  7' "$Z/zstd.h"
cmp -s "$WORK/package/deps/zstd/LICENSE" "$HERE/LICENSE"
patch -s -p1 -d "$WORK/package/deps/zstd" < "$HERE/huf-fast-wasm32.patch"

# -O3 -msimd128: the Huffman and sequence loops vectorise (SIMD roughly doubles the speed);
# -mbulk-memory: memcpy/memset become memory.copy/memory.fill. ZSTD_DISABLE_ASM: the x86-64 Huffman
# loops are assembly. Error strings are kept (dec_error_name). --max-memory: a 2^27-byte window and
# its buffers fit (src/io/codecs/zstd-wasm.ts asks for at most that window).
"$CLANG" --target=wasm32-wasi -O3 -msimd128 -mbulk-memory -fvisibility=hidden \
  -DNDEBUG -DDEBUGLEVEL=0 -DZSTD_DISABLE_ASM -DZSTD_NO_TRACE -DZSTD_TRACE=0 -DZSTD_LEGACY_SUPPORT=0 \
  -DZSTD_MULTITHREAD=0 -DXXH_NAMESPACE=ZSTD_ \
  -I"$Z" -I"$Z/common" \
  -nostartfiles -Wl,--no-entry -Wl,--strip-all -Wl,--gc-sections \
  -Wl,--max-memory=268435456 -Wl,-z,stack-size=65536 \
  -o "$OUT" "$HERE/decoder.c" \
  "$Z/decompress/huf_decompress.c" "$Z/decompress/zstd_ddict.c" "$Z/decompress/zstd_decompress.c" \
  "$Z/decompress/zstd_decompress_block.c" "$Z/common/entropy_common.c" "$Z/common/error_private.c" \
  "$Z/common/fse_decompress.c" "$Z/common/zstd_common.c" "$Z/common/xxhash.c" "$Z/common/debug.c"
node -e 'const m = new WebAssembly.Module(require("fs").readFileSync(process.argv[1]));
if (WebAssembly.Module.imports(m).length) throw new Error("the module must import nothing");' "$OUT"
echo "wrote $OUT ($(wc -c < "$OUT") bytes)"
