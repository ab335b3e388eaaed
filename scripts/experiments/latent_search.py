#!/usr/bin/python3
"""Experiment (not shipped): search the latent per image instead of taking the encoder's, with the shipped decoder
unchanged. Adam on the encoder's pre-sigmoid latent, the engine's 6-bit quantization (`max`) in the loop with a
straight-through gradient, loss = MSE through the companding + LAM x mean(1 - SSIM) over reader windows.
docs/models.md ("An encoder that searches the latent") has the figures and why it was not built.

  CT val of slices16 (figures printed here; bits are an order-0 estimate of the maps' first differences):
    /usr/bin/python3 scripts/experiments/latent_search.py ct-val --every 4 --objective all
  DICOM fixtures (inputs written by latent-search.ts dump; outputs read by latent-search.ts eval, real bytes):
    /usr/bin/python3 scripts/experiments/latent_search.py dumped --dir /tmp/latent-search NAME...
"""
import argparse, json, os, sys, time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from train_data import load_ct_val  # noqa: E402
from train_torch import load_shipped, ssim  # noqa: E402

BITS = 6  # src-shared/quality.ts: max
LEVELS = 2 ** BITS - 1
CT_WINDOWS = [(40, 80), (50, 130), (40, 40), (40, 400), (-600, 1500), (500, 2000)]  # src-shared/windows.ts CT_PRESETS
NAMES = ["brain", "subdural", "stroke", "soft", "lung", "bone", "whole range"]


def interp(v, kx, ky):
    """Piecewise-linear v -> value through knots (kx increasing), differentiable in v."""
    i = torch.searchsorted(kx, v.detach().contiguous()).clamp(1, len(kx) - 1)
    x0, x1, y0, y1 = kx[i - 1], kx[i], ky[i - 1], ky[i]
    return y0 + (v - x0) / (x1 - x0) * (y1 - y0)


class Search:
    """The encoder's latent of input x (1x1xHxW, even size) and its quantization over the map's own range."""

    def __init__(self, enc, dec, x):
        self.dec, self.x = dec, x
        with torch.no_grad():
            self.pre = enc.logits(x)
        z = torch.sigmoid(self.pre)
        self.lo, self.hi = float(z.min()), float(z.max())

    def quantized(self, z):
        zc = z.clamp(self.lo, self.hi)
        zq = torch.round((zc - self.lo) / (self.hi - self.lo) * LEVELS) / LEVELS * (self.hi - self.lo) + self.lo
        return zc + (zq - zc).detach()

    def maps(self, z):
        return torch.round((z.clamp(self.lo, self.hi) - self.lo) / (self.hi - self.lo) * LEVELS).flatten().numpy().astype(np.uint16)

    def run(self, window_loss, lam, steps, lr):
        """The searched latent (sigmoid output) after `steps` Adam steps; the encoder's when steps is 0."""
        u = self.pre.clone().requires_grad_(True)
        opt = torch.optim.Adam([u], lr=lr)
        for _ in range(steps):
            y = self.dec(self.quantized(torch.sigmoid(u)))
            loss = ((y - self.x) ** 2).mean() + lam * window_loss(y)
            opt.zero_grad(); loss.backward(); opt.step()
        return torch.sigmoid(u).detach()


def order0_bpp(m):
    d = np.diff(np.concatenate([[0], m.astype(int)]))
    p = np.bincount(d - d.min()) / len(d)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum()) / 4  # one latent value per 2x2 pixels


def ct_val(args, enc, dec):
    items = load_ct_val(args.data)[::args.every]
    lin = lambda hu, c, w: ((hu - (c - w / 2)) / w).clamp(0, 1)
    win8 = lambda hu, c, w: np.clip(np.round((hu - (c - w / 2)) / w * 255), 0, 255) / 255
    ss = lambda a, b: float(ssim(torch.from_numpy(a).float()[None, None], torch.from_numpy(b).float()[None, None])[0])
    rows = []
    for x, knots, slope, intercept, stored in items:
        h, w = x.shape
        t = torch.from_numpy(np.pad(x, ((0, h % 2), (0, w % 2)), mode="edge"))[None, None]
        s = Search(enc, dec, t)
        kx, ky = torch.tensor(knots[1], dtype=torch.float32), torch.tensor(knots[0], dtype=torch.float32)
        smin, smax = stored.min(), stored.max()
        hu_ref = torch.from_numpy(stored * slope + intercept).float()[None, None]
        refs = [lin(hu_ref, c, ww) for c, ww in CT_WINDOWS] + [torch.from_numpy((stored - smin) / (smax - smin)).float()[None, None]]

        def ssims(y):
            st = interp(y[:, :, :h, :w].clamp(0, 1), kx, ky)
            hu = st * slope + intercept
            return [ssim(r, lin(hu, c, ww)).mean() for r, (c, ww) in zip(refs, CT_WINDOWS)] + [ssim(refs[-1], (st - smin) / (smax - smin)).mean()]

        with torch.no_grad():
            base = [float(v) for v in ssims(s.dec(s.quantized(torch.sigmoid(s.pre))))]
        losses = {
            "all": lambda y: sum(1 - v for v in ssims(y)) / len(refs),
            "brain": lambda y: 1 - ssims(y)[0],
            # the brain window, with every other window held at least at the encoder's figure
            "brain-held": lambda y: (lambda v: (1 - v[0]) + 10 * sum(torch.relu(b + 0.002 - vi) for b, vi in zip(base[1:], v[1:])))(ssims(y)),
        }

        def figures(z):
            with torch.no_grad():
                y = s.dec(s.quantized(z)).clamp(0, 1)[0, 0, :h, :w].numpy().astype(np.float64)
            rec = np.round(np.interp(y, knots[1], knots[0]))
            f = [ss(win8(stored * slope + intercept, c, ww), win8(rec * slope + intercept, c, ww)) for c, ww in CT_WINDOWS]
            return f + [ss((stored - smin) / (smax - smin), (rec - smin) / (smax - smin)), order0_bpp(s.maps(z))]

        t0 = time.time()
        before, after = figures(torch.sigmoid(s.pre)), figures(s.run(losses[args.objective], args.lam, args.steps, args.lr))
        rows.append(before + after)
        print(" ".join(f"{a:.4f}>{b:.4f}" for a, b in zip(before, after)), f"{time.time() - t0:.1f}s {h}x{w}", flush=True)
    r = np.array(rows); n = len(NAMES) + 1
    print(f"{len(items)} CT val slices, objective {args.objective}, lam {args.lam}, {args.steps} steps")
    print("| | " + " | ".join(NAMES) + " | bits/pixel (order-0 estimate) |")
    for label, v in (("encoder", r[:, :n].mean(0)), ("searched", r[:, n:].mean(0))):
        print(f"| {label} | " + " | ".join(f"{a:.4f}" for a in v[:-1]) + f" | {v[-1]:.3f} |")


def dumped(args, enc, dec):
    """Fixtures written by latent-search.ts dump: loss over every reader window the engine names for the file."""
    for n in args.names:
        m = json.load(open(os.path.join(args.dir, n + ".json")))
        h, w, ph, pw, lo, hi = m["h"], m["w"], m["ph"], m["pw"], m["lo"], m["hi"]
        x = torch.from_numpy(np.fromfile(os.path.join(args.dir, n + ".x.f32"), np.float32).reshape(ph, pw))[None, None]
        orig = torch.tensor(m["orig"], dtype=torch.float32).reshape(h, w)
        luts = [torch.from_numpy(np.fromfile(os.path.join(args.dir, f"{n}.win{i}.f32"), np.float32)) for i in range(len(m["windows"]))]
        grid = torch.arange(len(luts[0]), dtype=torch.float32)
        refs = [lut[(orig - lo).long()][None, None] for lut in luts]
        if m["knots"]:
            k = torch.tensor(m["knots"], dtype=torch.float32)
            to_samples = lambda y, kx=(k[:, 1] / 1024).contiguous(), ky=k[:, 0].contiguous(): interp(y, kx, ky)  # transfer.ts TRANSFER_STEPS
        else:
            to_samples = lambda y: lo + y * (hi - lo)

        def window_loss(y):
            st = (to_samples(y[:, :, :h, :w].clamp(0, 1)) - lo).clamp(0, hi - lo)
            return sum(1 - ssim(r, interp(st, grid, lut)).mean() for r, lut in zip(refs, luts)) / len(luts)

        s = Search(enc, dec, x)
        t0 = time.time()
        for tag, z in (("encoder", torch.sigmoid(s.pre)), ("searched", s.run(window_loss, args.lam, args.steps, args.lr))):
            with torch.no_grad():
                s.dec(s.quantized(z))[0, 0].numpy().astype(np.float32).tofile(os.path.join(args.dir, f"{n}.{tag}.y.f32"))
            s.maps(z).tofile(os.path.join(args.dir, f"{n}.{tag}.q.u16"))
        print(n, f"{time.time() - t0:.1f}s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["ct-val", "dumped"])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--model", default="resources/models/mrct-grey-v3")
    ap.add_argument("--data", default="../shared/data/slices16/val")
    ap.add_argument("--dir", default="/tmp/latent-search")
    ap.add_argument("--every", type=int, default=4)
    ap.add_argument("--objective", default="all", choices=["all", "brain", "brain-held"])
    ap.add_argument("--lam", type=float, default=0.5)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.03)
    args = ap.parse_args()
    torch.set_num_threads(2)
    enc, dec = load_shipped(args.model, "aeimg-v1", 1)
    for p in list(enc.parameters()) + list(dec.parameters()):
        p.requires_grad_(False)
    (ct_val if args.mode == "ct-val" else dumped)(args, enc, dec)


if __name__ == "__main__":
    main()
