#!/usr/bin/python3
"""Experiment (not shipped): how much of the brain window (40/80 HU) survives when only one value per 2x2 pixels is
kept, as in the network's latent, with no quantization at all. Each CT slice of slices16/val, companded as the engine
compands it (the network's input), is cut to the band a half-resolution map can hold (spatial frequencies up to a
quarter of the sampling rate on both axes: an ideal low-pass, the best linear reconstruction from such a map), and
back to stored values; then SSIM in the brain window rendered to 8 bits, as the bench measures `max` (0.9405).
Rows with part of the band above that kept show what the missing texture is worth. docs/models.md has the figures.
    /usr/bin/python3 scripts/experiments/halfband_bound.py
"""
import os, sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from train_data import load_ct_val  # noqa: E402
from train_torch import ssim  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "slices16", "val")
KEEP_HIGH = (0.0, 0.25, 0.5)  # share of the band above a quarter of the sampling rate kept


def brain8(hu):
    return np.clip(np.round(hu / 80 * 255), 0, 255) / 255


def band_limited(x, keep_high):
    h, w = x.shape
    fy, fx = np.abs(np.fft.fftfreq(h))[:, None], np.abs(np.fft.fftfreq(w))[None, :]
    low = ((fy <= 0.25) & (fx <= 0.25)).astype(float)
    return np.real(np.fft.ifft2(np.fft.fft2(x) * (low + keep_high * (1 - low))))


def main():
    rows = []
    for x, knots, slope, intercept, stored in load_ct_val(DATA):
        ref = torch.from_numpy(brain8(stored * slope + intercept)).float()[None, None]
        row = []
        for k in KEEP_HIGH:
            rec = np.round(np.interp(np.clip(band_limited(x.astype(np.float64), k), 0, 1), knots[1], knots[0]))
            row.append(float(ssim(ref, torch.from_numpy(brain8(rec * slope + intercept)).float()[None, None])[0]))
        rows.append(row)
    m = np.array(rows).mean(0)
    print(f"{len(rows)} CT val slices, brain-window SSIM of the half-resolution band (mean):")
    for k, v in zip(KEEP_HIGH, m):
        print(f"  band + {k:.0%} of the rest: {v:.4f}")


if __name__ == "__main__":
    main()
