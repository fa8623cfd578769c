#!/usr/bin/python3
"""Reference side of scripts/dev/import-compare.mts: real PyTorch files for `msplit import`.

For each architecture, writes to OUT_DIR:
  <name>.pth          torch.save(model.state_dict())
  <name>.pt           torch.save(model)  (whole module)
  <name>.input.npy    a fixed random batch [2, 3, 224, 224], float32
  <name>.logits.npy   the eval-mode torchvision model's output on it, float32

Weights are torchvision's random init under torch.manual_seed(0), with every BatchNorm's running
statistics and affine parameters randomized so that a swapped, missing or mis-scaled BN tensor
shows in the logits.

--calibrate-bn: with BN randomized as above, the two MobileNetV3s' logits hardly depend on the
input (samples differ by ~1e-6 of max |logit|): the fixed BN shifts swamp the activations, and a
wrong tensor in the early layers stays far under 1e-4. This option instead sets each BN's running
statistics from the activations of a random batch (train-mode pass), then perturbs them (mean
+-0.5 std, var x0.5..1.5), keeping weight/bias random as above, so every layer shows in the output.

Usage: /usr/bin/python3 scripts/dev/import-compare.py [--calibrate-bn] OUT_DIR [ARCH...]
"""
import pathlib
import sys

import numpy as np
import torch
import torchvision.models as tvm

ARCHS = [
    "alexnet",
    "mobilenet_v3_large",
    "mobilenet_v3_small",
    "resnet50",
    "resnet101",
    "squeezenet1_1",
    "vgg16",
    "vgg19",
]
BATCH = 2


def randomize_bn(model: torch.nn.Module) -> None:
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.02, 1.0)
                m.weight.uniform_(0.3, 1.0)
                m.bias.uniform_(-0.3, 0.3)


def calibrate_bn(model: torch.nn.Module) -> None:
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    with torch.no_grad():
        for m in bns:
            m.weight.uniform_(0.3, 1.0)
            m.bias.uniform_(-0.3, 0.3)
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one pass sets the batch statistics
        model.train()
        model(torch.randn(8, 3, 224, 224))
        model.eval()
        for m in bns:
            std = m.running_var.sqrt()
            m.running_mean.add_(torch.empty_like(std).uniform_(-0.5, 0.5) * std)
            m.running_var.mul_(torch.empty_like(std).uniform_(0.5, 1.5))
            m.momentum = 0.1


def dump(name: str, out: pathlib.Path, calibrate: bool) -> None:
    torch.manual_seed(0)
    model = getattr(tvm, name)(weights=None)
    model.eval()
    if calibrate:
        calibrate_bn(model)
    else:
        randomize_bn(model)
    torch.save(model.state_dict(), out / f"{name}.pth")
    torch.save(model, out / f"{name}.pt")
    x = torch.randn(BATCH, 3, 224, 224)
    with torch.no_grad():
        logits = model(x)
    np.save(out / f"{name}.input.npy", x.numpy().astype("<f4"))
    np.save(out / f"{name}.logits.npy", logits.numpy().astype("<f4"))
    print(f"{name}: {len(model.state_dict())} state_dict entries, logits {tuple(logits.shape)} -> {out}", flush=True)


def main() -> None:
    args = sys.argv[1:]
    calibrate = "--calibrate-bn" in args
    args = [a for a in args if a != "--calibrate-bn"]
    if not args:
        sys.exit(__doc__)
    out = pathlib.Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    archs = args[1:] or ARCHS
    for name in archs:
        if name not in ARCHS:
            sys.exit(f"unknown architecture {name}; known: {', '.join(ARCHS)}")
    for name in archs:
        dump(name, out, calibrate)


if __name__ == "__main__":
    main()
