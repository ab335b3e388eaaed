#!/usr/bin/python3
"""Writes tests/fixtures/torch-reference.json: PyTorch's encoder and decoder outputs for the exported weights on a
fixed crop of a test slice. The tfjs model built from the same weights must match them within 1e-4 (model tests).

  /usr/bin/python3 scripts/torch_reference.py --weights DIR [--out tests/fixtures/torch-reference.json]
"""
import argparse, json, os, sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
from train_torch import Decoder, Encoder  # noqa: E402


def load(weights_dir):
    info = json.load(open(os.path.join(weights_dir, "torch-weights.json")))
    blob = open(os.path.join(weights_dir, "torch-weights.bin"), "rb").read()
    enc = Encoder(info["arch"], info["inputChannels"], info["latentChannels"])
    dec = Decoder(info["arch"], info["inputChannels"], info["latentChannels"])
    table = {w["name"]: w for w in info["weights"]}
    for part, convs in (("encoder", list(enc.pre) + list(enc.post) + [enc.latent]), ("decoder", list(dec.convs) + [dec.out])):
        for i, conv in enumerate(convs):
            for kind, param in (("kernel", conv.weight), ("bias", conv.bias)):
                w = table[f"{part}/conv{i}/{kind}"]
                a = np.frombuffer(blob, "<f4", int(np.prod(w["shape"])), w["offset"]).reshape(w["shape"])
                t = torch.from_numpy(a.copy())
                param.data = t.permute(3, 2, 0, 1).contiguous() if kind == "kernel" else t
    return enc.eval(), dec.eval(), info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--image", default="tests/fixtures/slices/mr-colin27-axial-020.png")
    ap.add_argument("--out", default="tests/fixtures/torch-reference.json")
    a = ap.parse_args()
    enc, dec, info = load(a.weights)
    img = np.asarray(Image.open(a.image).convert("L"), dtype=np.float32) / 255.0
    crop = img[100:140, 90:146]  # 40 x 56, even, with anatomy in it
    with torch.no_grad():
        x = torch.from_numpy(np.ascontiguousarray(crop))[None, None]
        z = enc(x)
        y = dec(z)
    r = lambda t: [float(f"{v:.7g}") for v in t.numpy().ravel()]
    out = {
        "about": "PyTorch outputs for the shipped weights (scripts/torch_reference.py); HWC order",
        "arch": info["arch"], "height": 40, "width": 56, "latentChannels": info["latentChannels"],
        "input": r(x[0].permute(1, 2, 0)), "latent": r(z[0].permute(1, 2, 0)), "output": r(y[0].permute(1, 2, 0)),
    }
    json.dump(out, open(a.out, "w"))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
