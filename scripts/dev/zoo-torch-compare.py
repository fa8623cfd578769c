#!/usr/bin/python3
"""Reference side of scripts/dev/zoo-compare.mts: torchvision models, their weights and logits.

For each architecture, writes to OUT_DIR/<arch>/:
  index.json   {"tensors": [{"name", "shape", "offset"}], "input": shape, "logits": shape}
               (offsets count float32 values into weights.bin)
  weights.bin  every state_dict tensor as little-endian float32, in state_dict order
               (num_batches_tracked included, cast, so the loader's ignore rule is exercised)
  input.bin    a fixed random batch, float32
  logits.bin   the eval-mode torchvision model's output on it, float32

Usage: /usr/bin/python3 scripts/dev/zoo-torch-compare.py OUT_DIR ARCH...
"""
import json
import pathlib
import sys

import torch
import torchvision.models as tvm

BATCH = 2


def randomize(model: torch.nn.Module) -> None:
    """Init leaves BN at mean 0, var 1, weight 1, bias 0 and many biases at 0, which would hide
    a wrong epsilon, a swapped BN tensor or a bias that never loads; make them all matter."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.3, 1.0)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.02, 1.0)
            elif isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) and m.bias is not None:
                m.bias.uniform_(-0.1, 0.1)


def dump(arch: str, out: pathlib.Path) -> None:
    torch.manual_seed(0)
    model = getattr(tvm, arch)(weights=None)
    randomize(model)
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    tensors, offset = [], 0
    with open(out / "weights.bin", "wb") as f:
        for name, t in model.state_dict().items():
            data = t.detach().to(torch.float32).contiguous().numpy()
            f.write(data.astype("<f4").tobytes())
            tensors.append({"name": name, "shape": list(t.shape), "offset": offset})
            offset += data.size
    torch.manual_seed(1234)
    x = torch.randn(BATCH, 3, 224, 224)
    with torch.no_grad():
        logits = model(x)
    (out / "input.bin").write_bytes(x.numpy().astype("<f4").tobytes())
    (out / "logits.bin").write_bytes(logits.numpy().astype("<f4").tobytes())
    index = {"tensors": tensors, "input": list(x.shape), "logits": list(logits.shape)}
    (out / "index.json").write_text(json.dumps(index))
    print(f"{arch}: {len(tensors)} tensors, {offset} floats -> {out}", flush=True)


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root = pathlib.Path(sys.argv[1])
    for arch in sys.argv[2:]:
        dump(arch, root / arch)


if __name__ == "__main__":
    main()
