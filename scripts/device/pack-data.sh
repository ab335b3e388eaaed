#!/bin/sh
# Copies what scripts/device/train.sh trains on into .gpu-data/ (ignored by git), within the device tool's 64 MiB for
# the working tree and what it carries (the repository's tracked files are about 12 MiB): slices16/train whole (41 MiB,
# the 16-bit CT and MR), every other slice of mri-ct-slices/train (8 MiB), 50 slices of mri-ct-slices/val and the CT
# slices of slices16/val (the script's validation). Run here, then name .gpu-data in the run's carry.
set -eu
DATA=${1:-../shared/data}
rm -rf .gpu-data && mkdir -p .gpu-data/mri-ct-slices/train .gpu-data/mri-ct-slices/val .gpu-data/slices16/train .gpu-data/slices16/val
cp "$DATA"/slices16/train/*.png .gpu-data/slices16/train/
cp "$DATA"/slices16/manifest.csv .gpu-data/slices16/
ls "$DATA"/mri-ct-slices/train/*.png | awk 'NR % 2 == 1' | xargs -I{} cp {} .gpu-data/mri-ct-slices/train/
ls "$DATA"/mri-ct-slices/val/*.png | awk 'NR % 4 == 1' | xargs -I{} cp {} .gpu-data/mri-ct-slices/val/
cp "$DATA"/slices16/val/ct-*.png .gpu-data/slices16/val/
du -sh .gpu-data
