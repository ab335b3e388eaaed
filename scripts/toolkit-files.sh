#!/usr/bin/env bash
# `scripts/toolkit-files.sh OUTDIR FILE.dcm...`: each uncompressed DICOM file through every encoder GDCM and dcmtk
# have, as a department's PACS or scanner may have written it, into OUTDIR (NAME__TOOL_MODE.dcm). Then
#   npm run audit:files -- OUTDIR --levels auto,max,within-2 --gdcm
# sends and receives each and compares aeimg's reading with GDCM's (docs/dicom.md, "Files other toolkits make").
# Needs gdcmconv (libgdcm-tools) and dcmtk; an encoder that refuses a file (dcmtk's near-lossless JPEG-LS of signed
# samples) is skipped.
set -u
if [ "$#" -lt 2 ]; then
  echo "usage: scripts/toolkit-files.sh OUTDIR FILE.dcm..." >&2
  exit 2
fi
out=$1
shift
mkdir -p "$out"
for tool in gdcmconv dcmcjpeg dcmcjpls dcmcrle; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install libgdcm-tools dcmtk)" >&2; exit 2; }
done
made=0
for src in "$@"; do
  name=$(basename "$src" .dcm)
  run() { # MODE COMMAND...: writes $out/${name}__MODE.dcm, or nothing if the encoder refuses the file
    local mode=$1 target="$out/${name}__$1.dcm"
    shift
    if "$@" "$src" "$target" >/dev/null 2>&1 && [ -s "$target" ]; then made=$((made + 1)); else rm -f "$target"; fi
  }
  run gdcm_jpeg_lossless gdcmconv -J
  run gdcm_jpeg_lossy gdcmconv -J -Y -q 90
  run gdcm_j2k_lossless gdcmconv -K
  run gdcm_j2k_lossy gdcmconv -K -Y -q 40
  run gdcm_jls_lossless gdcmconv -L
  run gdcm_jls_near2 gdcmconv -L -Y -e 2
  run gdcm_rle gdcmconv -R
  run dcmtk_jpeg_sv1 dcmcjpeg +e1
  run dcmtk_jpeg_lossless dcmcjpeg +el
  run dcmtk_jpeg_extended dcmcjpeg +ee +q 90
  run dcmtk_jpeg_baseline dcmcjpeg +eb +q 90
  run dcmtk_jpeg_spectral dcmcjpeg +es +q 90
  run dcmtk_jpeg_progressive dcmcjpeg +ep +q 90
  run dcmtk_jls_lossless dcmcjpls +el
  run dcmtk_jls_near2 dcmcjpls +en
  run dcmtk_rle dcmcrle
done
echo "wrote $made files into $out"
