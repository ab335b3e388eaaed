"""The training data of scripts/train_torch.py: slices read and companded as the engine reads them
(src-main/engine/codec/transfer.ts), and patches cut and augmented from them on the CPU (noise, blur, resampling,
contrast), input and target, whatever device trains on them.
"""
import glob, math, os, sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


def load_folder(folder, compand=False, linear=False):
    files = sorted(glob.glob(os.path.join(folder, "**", "*.png"), recursive=True))
    if not files:
        sys.exit(f"no PNG files under {folder}")
    rescale = manifest_rescale(folder) if compand else {}
    return [load_png(f, rescale.get(os.path.basename(f)), linear) for f in files], files


def is_ct(folder, files):
    """Which files of a slices16 folder are CT (its manifest's modality)."""
    rescale = manifest_rescale(folder)
    return [rescale.get(os.path.basename(f), ("",))[0] == "CT" for f in files]


def manifest_rescale(folder):
    """slices16's manifest.csv (in the folder or its parent): per file name, (modality, slope, intercept)."""
    import csv
    for m in (os.path.join(folder, "manifest.csv"), os.path.join(os.path.dirname(folder.rstrip("/")), "manifest.csv")):
        if os.path.exists(m):
            with open(m) as f:
                return {os.path.basename(r["file"]): (r["modality"], float(r["rescale_slope"]), float(r["rescale_intercept"]))
                        for r in csv.DictReader(f)}
    return {}


CT_WINDOWS = [(0, 80, 0.35), (-160, 240, 0.6)]  # src-main/engine/codec/transfer.ts CT_WINDOWS: HU, share
# (mrct-grey-v3 was trained through [(-20, 100, 0.4), (-160, 240, 0.75)], the curve of its commit.)


def nested_knots(windows, lo, hi):
    """transfer.ts nestedKnots: nested windows (samples, innermost first, shares growing outwards) over [lo, hi]; each
    zone spreads its share evenly over its samples; every segment gets at least one of the 1024 steps."""
    clipped = [(max(lo, round(min(a, b))), min(hi, round(max(a, b))), s) for a, b, s in windows]
    clipped = [w for w in clipped if w[1] - w[0] >= 16]
    if not clipped:
        return None
    xs = sorted(set([lo, hi] + [v for a, b, _ in clipped for v in (a, b)]))
    def zone(x0, x1):
        for k, (a, b, _) in enumerate(clipped):
            if a <= x0 and x1 <= b:
                return k
        return len(clipped)
    def share(k):
        return (1 if k == len(clipped) else clipped[k][2]) - (clipped[k - 1][2] if k > 0 else 0)
    span = [0.0] * (len(clipped) + 1)
    for x0, x1 in zip(xs, xs[1:]):
        span[zone(x0, x1)] += x1 - x0
    weights = [max(0, share(zone(x0, x1))) * (x1 - x0) / span[zone(x0, x1)] for x0, x1 in zip(xs, xs[1:])]
    total, acc, ys = sum(weights), 0.0, [0]
    for w in weights:
        acc += w
        ys.append(int(np.floor(acc / total * 1024 + 0.5)))  # Math.round
    ys[-1] = 1024
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + 1)
    for i in range(len(ys) - 2, -1, -1):
        ys[i] = min(ys[i], ys[i + 1] - 1)
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64) / 1024


def compand_knots(a, lo, hi, rescale):
    """The companding of src-main/engine/codec/transfer.ts (chooseKnots): CT in HU through CT_WINDOWS; other images of
    more than 8 bits, the 1st-99th percentile window gets 90%."""
    if hi - lo < 64:
        return None
    if rescale and rescale[0] == "CT":
        _, slope, intercept = rescale
        windows = [((a_ - intercept) / slope, (b_ - intercept) / slope, s) for a_, b_, s in CT_WINDOWS]
    else:
        windows = [(np.percentile(a, 1, method="inverted_cdf") if NP_METHOD else np.percentile(a, 1, interpolation="lower"),
                    np.percentile(a, 99, method="inverted_cdf") if NP_METHOD else np.percentile(a, 99, interpolation="lower"), 0.9)]
    return nested_knots(windows, lo, hi)


NP_METHOD = tuple(int(v) for v in np.__version__.split(".")[:2]) >= (1, 22)


def load_png(path, rescale=None, linear=False):
    """8-bit PNG / 255; a 16-bit PNG normalised as the engine normalises each plane: to its own [min, max], through
    the companding knots when `rescale` is given (--compand16). With `linear` (--noise-linear16), a companded 16-bit
    slice is kept as (its own range on [0, 1], the knots on that scale), so that noise is added before the companding,
    as a scanner adds it and as `npm run bench` measures it."""
    im = Image.open(path)
    if im.mode in ("I", "I;16", "I;16B"):
        a = np.array(im).astype(np.float32)
        lo, hi = float(a.min()), float(a.max())
        knots = compand_knots(a, lo, hi, rescale) if rescale is not None else None
        if knots is not None and linear:
            span = hi - lo if hi > lo else 1.0
            return ((a - lo) / span, (knots[0] - lo) / span, knots[1])
        if knots is not None:
            return np.interp(a, knots[0], knots[1]).astype(np.float32)
        return (a - lo) / (hi - lo if hi > lo else 1.0)
    return np.asarray(im.convert("L"), dtype=np.float32) / 255.0


def add_noise(x, kind, rng, scale=1.0):
    """The four noises of the paper's Table 6 at scikit-image random_noise defaults (docs/models.md), their
    strength times `scale` (1: the defaults)."""
    if kind == "saltpepper":  # amount 0.05, half salt, half pepper
        m = torch.rand_like(x); a = 0.025 * scale
        x = x.clone(); x[m < a] = 0.0; x[m > 1 - a] = 1.0; return x
    if kind == "speckle":  # x + x * N(0, 0.1)
        return (x + x * torch.randn_like(x) * 0.1 * scale).clamp(0, 1)
    if kind == "poisson":  # counts at 256 levels
        return (torch.poisson(x * 256.0 / scale ** 2) / (256.0 / scale ** 2)).clamp(0, 1)
    if kind == "gaussian":  # x + N(0, 0.1)
        return (x + torch.randn_like(x) * 0.1 * scale).clamp(0, 1)
    if kind == "rician":  # MR magnitude: |x + N(0, s) + i N(0, s)|, which also gives dark backgrounds their noise floor
        s_ = 0.1 * scale
        return torch.sqrt((x + torch.randn_like(x) * s_) ** 2 + (torch.randn_like(x) * s_) ** 2).clamp(0, 1)
    return x


def degrade(p, rng):
    """What a faithful codec must reproduce, not remove: a blur or a resampling (down and up again)."""
    t = torch.from_numpy(np.ascontiguousarray(p))[None, None]
    if rng.random() < 0.5:
        k = gaussian_window(5, rng.uniform(0.5, 1.2)).to(t.dtype)
        t = F.conv2d(F.pad(t, (2, 2, 2, 2), mode="reflect"), k)
    else:
        f = rng.uniform(0.5, 0.9)
        h, w = t.shape[-2:]
        t = F.interpolate(F.interpolate(t, scale_factor=f, mode="bilinear", align_corners=False), size=(h, w), mode="bilinear", align_corners=False)
    return t[0, 0].numpy()


NOISE_KINDS = ["saltpepper", "speckle", "poisson", "gaussian"]


def contrast_curve(rng):
    """A random contrast (--contrast-p): a piecewise-linear curve through 6 knots, 0 kept near black (a background stays
    dark), the others anywhere in 0..1, so not always rising: tissues swap brightness as they do between T1, T2 and
    other contrasts a scanner makes."""
    xs = np.linspace(0, 1, 6)
    ys = np.array([rng.uniform(0, 0.1)] + [rng.uniform(0, 1) for _ in range(5)])
    return xs, ys


def batch(images, size, n, rng, noise_p, noise_scale=(1.0, 1.0), faithful_p=0.0, bands=None, kinds=NOISE_KINDS, contrast_p=0.0):
    """Patches (noisy input, target), and per patch its slice's brain band (--brain-loss) or None."""
    xs, curves, wins = [], [], []
    for _ in range(n):
        im = images[rng.randrange(len(images))]
        wins.append((bands or {}).get(id(im)))
        curve = None
        if isinstance(im, tuple):  # a 16-bit slice on its linear scale and its companding (--noise-linear16)
            im, *curve = im
        curves.append(curve)
        h, w = im.shape
        if h < size or w < size:
            im = np.pad(im, ((0, max(0, size - h)), (0, max(0, size - w))), mode="reflect"); h, w = im.shape
        y, x = rng.randrange(0, h - size + 1), rng.randrange(0, w - size + 1)
        p = im[y:y + size, x:x + size]
        if rng.random() < 0.5: p = p[:, ::-1]
        if rng.random() < 0.5: p = p[::-1, :]
        p = np.rot90(p, rng.randrange(4))
        gain, gamma = rng.uniform(0.8, 1.1), math.exp(rng.uniform(-0.25, 0.25))
        p = np.clip(p ** gamma * gain, 0, 1)
        if faithful_p and rng.random() < faithful_p / 2:
            p = np.clip(degrade(p, rng), 0, 1)
        xs.append(np.ascontiguousarray(p, dtype=np.float32))
    clean = torch.from_numpy(np.stack(xs))[:, None]
    compand = lambda i, t: torch.from_numpy(np.interp(t.numpy(), *curves[i]).astype(np.float32)) if curves[i] else t
    if faithful_p:
        # Noise the codec must keep: the noisy patch is both the input and the target.
        for i in range(n):
            if rng.random() < faithful_p / 2:
                clean[i] = add_noise(clean[i], rng.choice(["speckle", "poisson", "gaussian", "rician"]), rng, rng.uniform(0.1, 0.6))
    noisy = clean
    if noise_p > 0:
        noisy = clean.clone()
        for i in range(n):
            if rng.random() < noise_p:
                noisy[i] = add_noise(clean[i], rng.choice(kinds), rng,
                                     rng.uniform(*noise_scale))
    for i in range(n):
        if curves[i]:
            clean[i], noisy[i] = compand(i, clean[i]), compand(i, noisy[i])
        if contrast_p and rng.random() < contrast_p:  # input and target alike: a faithful codec keeps any contrast
            xs_, ys_ = contrast_curve(rng)
            remap = lambda t: torch.from_numpy(np.interp(t.numpy(), xs_, ys_).astype(np.float32))
            clean[i], noisy[i] = remap(clean[i]), remap(noisy[i])
    return noisy, clean, wins


def brain_bands(folder, images, files):
    """For the CT slices of a slices16 folder loaded with --compand16: id(image) -> the companded values of 0 and 80 HU
    (the brain preset 40/80), so that the loss can look through the window a reader uses."""
    rescale = manifest_rescale(folder)
    out = {}
    for im, f in zip(images, files):
        r = rescale.get(os.path.basename(f))
        if not r or r[0] != "CT" or isinstance(im, tuple):
            continue
        a, knots = stored_and_knots(f, r)
        band = np.interp([(0 - r[2]) / r[1], (80 - r[2]) / r[1]], knots[0], knots[1]) if knots is not None else None
        if band is not None and band[1] - band[0] > 0.05:  # a slice that holds the window (not one outside 0..80 HU)
            out[id(im)] = (float(band[0]), float(band[1]))
    return out


def gaussian_window(size=11, sigma=1.5):
    g = torch.exp(-((torch.arange(size) - size // 2) ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def stored_and_knots(path, rescale):
    """A 16-bit slice's stored samples (float64) and the engine's companding knots for it, with its manifest rescale."""
    a = np.array(Image.open(path)).astype(np.float64)
    return a, compand_knots(a, a.min(), a.max(), rescale)


def load_ct_val(folder):
    """slices16 val CT slices: (companded input, knots, slope, intercept, stored samples)."""
    rescale = manifest_rescale(folder)
    out = []
    for f in sorted(glob.glob(os.path.join(folder, "**", "*.png"), recursive=True)):
        r = rescale.get(os.path.basename(f))
        if not r or r[0] != "CT":
            continue
        a, knots = stored_and_knots(f, r)
        out.append((np.interp(a, knots[0], knots[1]).astype(np.float32), knots, r[1], r[2], a))
    return out
