#!/bin/bash
# One training run of scripts/train_torch.py on a lent GPU (the device tool; docs/models.md, "On a GPU"), prepared so
# that a session with a GPU spends its device time training, not setting up. Here first: sh scripts/device/pack-data.sh.
# Then, through the device tool: run(command="bash scripts/device/train.sh 8", carry=[".gpu-data"], timeout_s=600).
# $1: minutes of training (default 8); the rest: more train_torch.py options (they override those below).
# Writes $OUT/torch-weights.json and .bin (import here with scripts/import-torch-weights.ts) and $OUT/log.
set -euo pipefail
PY=${PYTHON:-python3}  # the device's python3 holds PyTorch; here: PYTHON=/usr/bin/python3
MINUTES=${1:-8}; [ $# -gt 0 ] && shift
OUT=${OUT:-/tmp/device-out}; mkdir -p "$OUT"
G=.gpu-data
{ nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || echo "no nvidia-smi"; } | tee "$OUT/log"
$PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' | tee -a "$OUT/log"
# A 2-channel latent widened from the shipped model, with the brain-window loss (docs/models.md: 0.9447 in the brain
# window after 42 min on the CPU), at GPU batch sizes.
PYTHONUNBUFFERED=1 $PY scripts/train_torch.py --device cuda --threads 8 \
  --data $G/mri-ct-slices/train --val $G/mri-ct-slices/val --data-extra $G/slices16/train --val-ct $G/slices16/val \
  --init-model resources/models/mrct-grey-v3 --init-latent-channels 1 --latent-channels 2 \
  --compand16 --faithful-p 0.5 --ct-repeat 3 --brain-loss 0.5 --lr 5e-4 --batch 128 --patch 96 \
  --steps 100000 --minutes "$MINUTES" --keep-latest --seed 7 --out "$OUT" "$@" 2>&1 | tee -a "$OUT/log"
