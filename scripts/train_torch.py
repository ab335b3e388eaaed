#!/usr/bin/python3
"""Train an aeimg autoencoder with PyTorch (on the CPU, or a GPU with --device) and export its weights for tfjs.

Mirrors src-main/engine/model/architecture.ts layer for layer ('same' 3x3 convolutions, 2x2 max pooling,
sigmoid latent, sub-pixel (depth-to-space) output). Writes <out>/torch-weights.json + .bin in Keras layout;
`node scripts/import-torch-weights.ts` turns them into the shipped tfjs artifacts and manifest.

Why PyTorch: tfjs-node cannot be installed here (no libtensorflow download) and tfjs-wasm lacks the
convolution gradient kernels, so this is the practical route on a 2-core CPU (Debian's python3-torch 1.13).
With --device cuda (or auto) the networks, the losses and the validation run on a GPU; patches are still cut and
augmented on the CPU, as on the CPU, so the same seed draws the same patches (docs/models.md, "On a GPU").
"""
import argparse, json, os, random, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from train_data import NOISE_KINDS, batch, brain_bands, gaussian_window, is_ct, load_ct_val, load_folder

ARCHS = {
    # name: encoder convs (filters, kernel) before/after pooling, decoder convs, all 'same' + relu
    "aeimg-v1": dict(pre=[32], post=[32, 32], dec=[48, 48, 32]),
    "paper": dict(pre=[64], post=[64, 32], dec=[32, 64, 64]),
}


class Encoder(nn.Module):
    def __init__(self, arch, in_ch, latent_ch):
        super().__init__()
        a = ARCHS[arch]
        self.pre = nn.ModuleList()
        c = in_ch
        for f in a["pre"]:
            self.pre.append(nn.Conv2d(c, f, 3, padding=1)); c = f
        self.post = nn.ModuleList()
        for f in a["post"]:
            self.post.append(nn.Conv2d(c, f, 3, padding=1)); c = f
        self.latent = nn.Conv2d(c, latent_ch, 1)

    def logits(self, x):
        """The latent before its sigmoid (scripts/experiments/latent_search.py searches in this space)."""
        for conv in self.pre:
            x = F.relu(conv(x))
        x = F.max_pool2d(x, 2)
        for conv in self.post:
            x = F.relu(conv(x))
        return self.latent(x)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


class Decoder(nn.Module):
    def __init__(self, arch, out_ch, latent_ch):
        super().__init__()
        a = ARCHS[arch]
        self.convs = nn.ModuleList()
        c = latent_ch
        for f in a["dec"]:
            self.convs.append(nn.Conv2d(c, f, 3, padding=1)); c = f
        self.out = nn.Conv2d(c, out_ch * 4, 3, padding=1)

    def forward(self, z):
        for conv in self.convs:
            z = F.relu(conv(z))
        return F.pixel_shuffle(self.out(z), 2)


def windowed(t, wins, idx):
    lo = torch.tensor([wins[i][0] for i in idx], dtype=t.dtype, device=t.device).view(-1, 1, 1, 1)
    hi = torch.tensor([wins[i][1] for i in idx], dtype=t.dtype, device=t.device).view(-1, 1, 1, 1)
    return ((t[idx] - lo) / (hi - lo)).clamp(0, 1)


def quant_noise(z, bits_choices, rng):
    bits = rng.choice(bits_choices)
    step = 1.0 / (2 ** bits - 1)
    return z + (torch.rand_like(z) - 0.5) * step


def ssim(a, b, win=gaussian_window()):
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    win = win.to(a.device, a.dtype)
    mu_a, mu_b = F.conv2d(a, win), F.conv2d(b, win)
    saa = F.conv2d(a * a, win) - mu_a ** 2
    sbb = F.conv2d(b * b, win) - mu_b ** 2
    sab = F.conv2d(a * b, win) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return s.mean(dim=(1, 2, 3))


def evaluate(enc, dec, val, bits=8):
    enc.eval(); dec.eval()
    ss, ps = [], []
    dev = next(dec.parameters()).device
    with torch.no_grad():
        for i in range(0, len(val), 16):
            x = torch.from_numpy(np.stack(val[i:i + 16]))[:, None].to(dev)
            z = enc(x)
            lo = z.amin(dim=(0, 2, 3), keepdim=True); hi = z.amax(dim=(0, 2, 3), keepdim=True)
            levels = 2 ** bits - 1
            zq = torch.round((z - lo) / (hi - lo + 1e-12) * levels) / levels * (hi - lo) + lo
            y = torch.round(dec(zq).clamp(0, 1) * 255) / 255
            ss += ssim(x, y).tolist()
            mse = ((x - y) ** 2).mean(dim=(1, 2, 3))
            ps += (10 * torch.log10(1 / mse.clamp(min=1e-12))).tolist()
    enc.train(); dec.train()
    return float(np.mean(ss)), float(np.mean(ps))


def evaluate_ct_brain(enc, dec, items, bits=6):
    """Mean SSIM in the brain window (40/80 HU, rendered to 8 bits) of CT val slices through the model at `bits`."""
    enc.eval(); dec.eval()
    ss = []
    dev = next(dec.parameters()).device
    with torch.no_grad():
        for x, knots, slope, intercept, stored in items:
            h, w = x.shape
            t = torch.from_numpy(np.pad(x, ((0, h % 2), (0, w % 2)), mode="edge"))[None, None].to(dev)
            z = enc(t)
            lo, hi = z.amin(dim=(0, 2, 3), keepdim=True), z.amax(dim=(0, 2, 3), keepdim=True)  # per map, as the engine
            levels = 2 ** bits - 1
            zq = torch.round((z - lo) / (hi - lo + 1e-12) * levels) / levels * (hi - lo) + lo
            y = dec(zq).clamp(0, 1)[0, 0, :h, :w].cpu().numpy().astype(np.float64)
            rec = np.round(np.interp(y, knots[1], knots[0]))
            win = lambda s_: np.clip(np.round(((s_ * slope + intercept) - 0) / 80 * 255), 0, 255) / 255
            ss.append(float(ssim(torch.from_numpy(win(stored)).float()[None, None], torch.from_numpy(win(rec)).float()[None, None])[0]))
    enc.train(); dec.train()
    return float(np.mean(ss))


def export(path, enc, dec):
    """Write weights in Keras layout: conv kernels [kh, kw, in, out], biases [out]."""
    entries, blobs, offset = [], [], 0
    def add(name, t):
        nonlocal offset
        a = t.detach().cpu().numpy().astype("<f4")
        entries.append({"name": name, "shape": list(a.shape), "offset": offset})
        blobs.append(a.tobytes()); offset += a.nbytes
    for part, convs in (("encoder", list(enc.pre) + list(enc.post) + [enc.latent]),
                        ("decoder", list(dec.convs) + [dec.out])):
        for i, conv in enumerate(convs):
            add(f"{part}/conv{i}/kernel", conv.weight.permute(2, 3, 1, 0))
            add(f"{part}/conv{i}/bias", conv.bias)
    with open(path + ".bin", "wb") as f:
        f.write(b"".join(blobs))
    return entries


def load_shipped(folder, arch, latent_ch):
    """A shipped model's tfjs weights (encoder/ and decoder/: model.json + weights.bin, Keras layout)."""
    enc, dec = Encoder(arch, 1, latent_ch), Decoder(arch, 1, latent_ch)
    for part, convs in (("encoder", list(enc.pre) + list(enc.post) + [enc.latent]), ("decoder", list(dec.convs) + [dec.out])):
        m = json.load(open(os.path.join(folder, part, "model.json")))
        blob = open(os.path.join(folder, part, "weights.bin"), "rb").read()
        table, offset = {}, 0
        for w in m["weightsManifest"][0]["weights"]:
            n = int(np.prod(w["shape"]))
            table[w["name"]] = np.frombuffer(blob, "<f4", n, offset).reshape(w["shape"]); offset += 4 * n
        for i, conv in enumerate(convs):
            conv.weight.data = torch.from_numpy(table[f"conv{i}/kernel"].copy()).permute(3, 2, 0, 1).contiguous()
            conv.bias.data = torch.from_numpy(table[f"conv{i}/bias"].copy())
    return enc, dec


def widen(enc, dec, arch, latent_ch):
    """The same model with `latent_ch` latent channels: its own channels unchanged, the new ones from a fresh 1x1
    convolution, read by the decoder through zero weights (so its output is the model's until training moves them)."""
    wide_enc, wide_dec = Encoder(arch, 1, latent_ch), Decoder(arch, 1, latent_ch)
    wide_enc.load_state_dict({k: v for k, v in enc.state_dict().items() if not k.startswith("latent.")}, strict=False)
    old = enc.latent.out_channels
    with torch.no_grad():
        wide_enc.latent.weight[:old] = enc.latent.weight
        wide_enc.latent.bias[:old] = enc.latent.bias
        wide_dec.load_state_dict({k: v for k, v in dec.state_dict().items() if k != "convs.0.weight"}, strict=False)
        wide_dec.convs[0].weight.zero_()
        wide_dec.convs[0].weight[:, :old] = dec.convs[0].weight
    return wide_enc, wide_dec


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--arch", default="aeimg-v1", choices=sorted(ARCHS))
    ap.add_argument("--latent-channels", type=int, default=1)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--minutes", type=float, default=0, help="stop after this wall time (0: no limit)")
    ap.add_argument("--patch", type=int, default=96)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--noise-p", type=float, default=0.0, help="share of inputs given a random noise (denoising)")
    ap.add_argument("--quant-bits", default="5,6,7,8", help="quantization steps simulated during training")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu, cuda, or auto (cuda where PyTorch sees a GPU, else cpu)")
    ap.add_argument("--init", help="start from the torch-weights of this folder (fine-tuning)")
    ap.add_argument("--init-model", help="start from a shipped model folder (resources/models/NAME: tfjs weights)")
    ap.add_argument("--data-extra", action="append", default=[], help="more training folders (16-bit PNG are normalised per image)")
    ap.add_argument("--freeze-encoder", action="store_true",
                    help="train the decoder only (a second decoder that reads the same latent, e.g. a denoising one)")
    ap.add_argument("--noise-scale", default="1,1", help="noise strength range, times the defaults (e.g. 0.5,1.5)")
    ap.add_argument("--compand16", action="store_true", help="16-bit PNG through the engine's companding (codec/transfer.ts)")
    ap.add_argument("--faithful-p", type=float, default=0.0,
                    help="share of patches degraded (blur, resampling, mild noise) as both input and target: a faithful codec keeps them")
    ap.add_argument("--noise-linear16", action="store_true",
                    help="noise on 16-bit slices before their companding (with --compand16 and --noise-p)")
    ap.add_argument("--contrast-p", type=float, default=0.0,
                    help="share of patches (input and target alike) given a random, not always rising contrast curve")
    ap.add_argument("--ct-repeat", type=int, default=1, help="CT slices of --data-extra folders this many times (more weight)")
    ap.add_argument("--mr-repeat", type=int, default=1, help="non-CT slices of --data-extra folders this many times")
    ap.add_argument("--noise-kinds", default=",".join(NOISE_KINDS),
                    help="the noises of --noise-p, each patch one of them at random; a name given twice is drawn twice as often")
    ap.add_argument("--val-ct", help="a slices16 val folder: report the CT slices' brain-window (40/80) SSIM as well")
    ap.add_argument("--keep-latest", action="store_true", help="export the latest weights, not the best 8-bit val SSIM")
    ap.add_argument("--init-latent-channels", type=int,
                    help="latent channels of --init-model when fewer than --latent-channels: the model is widened, its new "
                         "channels reaching the decoder through zero weights, so training starts from its exact function")
    ap.add_argument("--brain-loss", type=float, default=0.0,
                    help="weight of a loss term in the brain window (40/80 HU) of CT patches: MSE + 0.05 (1 - SSIM) there")
    ap.add_argument("--ct-only", action="store_true",
                    help="train on the CT slices of the --data-extra folders only (a model for CT in HU); --data is then "
                         "only the 8-bit val's companion")
    a = ap.parse_args()

    torch.manual_seed(a.seed); rng = random.Random(a.seed); np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    device = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else "cpu" if a.device == "auto" else a.device)
    print(f"device {device}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""), flush=True)
    train = [] if a.ct_only else load_folder(a.data)[0]
    bands = {}
    for extra in a.data_extra:
        ims, files = load_folder(extra, a.compand16, a.noise_linear16)
        if a.brain_loss:
            bands.update(brain_bands(extra, ims, files))
        for im, ct in zip(ims, is_ct(extra, files)):
            if ct or not a.ct_only:
                train += [im] * (a.ct_repeat if ct else a.mr_repeat)
    print(f"{len(train)} training slices", flush=True)
    val, _ = load_folder(a.val)
    val_ct = load_ct_val(a.val_ct) if a.val_ct else None
    enc, dec = Encoder(a.arch, 1, a.latent_channels), Decoder(a.arch, 1, a.latent_channels)
    if a.init:
        from torch_reference import load
        enc, dec, _ = load(a.init)
        enc.train(); dec.train()
    if a.init_model:
        enc, dec = load_shipped(a.init_model, a.arch, a.init_latent_channels or a.latent_channels)
        if a.init_latent_channels and a.init_latent_channels < a.latent_channels:
            enc, dec = widen(enc, dec, a.arch, a.latent_channels)
    enc, dec = enc.to(device), dec.to(device)
    if a.freeze_encoder:
        for p_ in enc.parameters():
            p_.requires_grad_(False)
        enc.eval()
    params = list(dec.parameters()) + ([] if a.freeze_encoder else list(enc.parameters()))
    opt = torch.optim.Adamax(params, lr=a.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.steps, eta_min=a.lr * 0.05)
    bits = [int(b) for b in a.quant_bits.split(",")]
    noise_scale = tuple(float(v) for v in a.noise_scale.split(","))
    kinds = a.noise_kinds.split(",")
    if not set(kinds) <= set(NOISE_KINDS):
        sys.exit(f"--noise-kinds: each of {','.join(NOISE_KINDS)}")
    os.makedirs(a.out, exist_ok=True)
    t0, best, log = time.time(), -1.0, []
    for step in range(1, a.steps + 1):
        noisy, clean, wins = batch(train, a.patch, a.batch, rng, a.noise_p, noise_scale, a.faithful_p, bands, kinds, a.contrast_p)
        noisy, clean = noisy.to(device), clean.to(device)
        with torch.set_grad_enabled(not a.freeze_encoder):
            z = enc(noisy)
        y = dec(quant_noise(z, bits, rng))
        loss = F.mse_loss(y, clean) + 0.02 * (1 - ssim(y, clean).mean())
        idx = [i for i, w in enumerate(wins) if w is not None]
        if a.brain_loss and idx:
            wy, wc = windowed(y, wins, idx), windowed(clean, wins, idx)
            loss = loss + a.brain_loss * (F.mse_loss(wy, wc) + 0.05 * (1 - ssim(wy, wc).mean()))
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        elapsed = time.time() - t0
        if step % 50 == 0:
            print(f"step {step} loss {loss.item():.5f} {step * a.batch / elapsed:.1f} patches/s", flush=True)
        stop = a.minutes and elapsed > a.minutes * 60
        if step % 500 == 0 or step == a.steps or stop:
            s, p = evaluate(enc, dec, val)
            log.append({"step": step, "val_ssim": s, "val_psnr": p, "seconds": round(elapsed)})
            brain = ""
            if val_ct:
                log[-1]["val_ct_brain_ssim"] = evaluate_ct_brain(enc, dec, val_ct)
                brain = f" CT brain-window SSIM {log[-1]['val_ct_brain_ssim']:.4f}"
            print(f"== step {step} val SSIM {s:.4f} PSNR {p:.2f} dB{brain} ({elapsed:.0f}s)", flush=True)
            # Denoising runs keep the latest: clean SSIM alone is not their goal.
            if s > best or a.noise_p > 0 or a.keep_latest:
                best = max(best, s)
                entries = export(os.path.join(a.out, "torch-weights"), enc, dec)
                info = {"arch": a.arch, "inputChannels": 1, "latentChannels": a.latent_channels,
                        "downsampling": 2, "weights": entries, "step": step, "val_ssim_8bit": s,
                        "val_psnr_8bit": p, "patches_per_s": round(step * a.batch / elapsed, 1),
                        "argv": sys.argv[1:], "torch": torch.__version__, "device": str(device), "log": log}
                with open(os.path.join(a.out, "torch-weights.json"), "w") as f:
                    json.dump(info, f, indent=1)
        if stop:
            break


if __name__ == "__main__":
    main()
