#!/usr/bin/python3
"""Independent SSIM/PSNR reference for tests/engine/metrics: PyTorch conv2d with a Gaussian window (11, sigma 1.5),
K1 0.01, K2 0.03, 'valid' region, float64. Distortion: v' = clip(v + ((i * 7) % 11) - 5, 0, 255) over the flat index i.
  /usr/bin/python3 scripts/ssim_reference.py > tests/fixtures/ssim-reference.json
"""
import json
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

files = ["tests/fixtures/slices/mr-colin27-axial-020.png", "tests/fixtures/slices/ct-cranium-coronal-220.png"]
g = torch.exp(-((torch.arange(11, dtype=torch.float64) - 5) ** 2) / (2 * 1.5 ** 2)); g /= g.sum()
win = (g[:, None] * g[None, :])[None, None]
out = []
for f in files:
    a = np.asarray(Image.open(f).convert("L"), dtype=np.float64)
    i = np.arange(a.size).reshape(a.shape)
    b = np.clip(a + (i * 7) % 11 - 5, 0, 255)
    x, y = (torch.from_numpy(v / 255.0)[None, None] for v in (a, b))
    mx, my = F.conv2d(x, win), F.conv2d(y, win)
    sxx, syy, sxy = F.conv2d(x * x, win) - mx ** 2, F.conv2d(y * y, win) - my ** 2, F.conv2d(x * y, win) - mx * my
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    ssim = (((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))).mean().item()
    mse = float(((a - b) ** 2).mean() / 255 ** 2)
    out.append({"file": f.split("/")[-1], "ssim": ssim, "mse": mse, "psnr": 10 * np.log10(1 / mse)})
print(json.dumps({"about": __doc__.strip().splitlines()[0], "cases": out}, indent=1))
