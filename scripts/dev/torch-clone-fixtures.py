#!/usr/bin/python3
"""Dev-only: makes test/fixtures/torch/ from the team's reference exports (run with Debian's /usr/bin/python3 + torch 1.13).

  /usr/bin/python3 scripts/dev/torch-clone-fixtures.py <source dir with squeezenet1_1.* and mobilenet_v3_small.pth>

squeezenet1_1.{onnx,pt,pth,input.npy,logits.npy} are copied unchanged: one real model in all three formats.
mobilenet_v3_small is kept lean: its state dict is loaded into torchvision's model, cast to float16 and
saved whole (torch.save(model)), so the fixture is a whole-module pickle of MobileNetV3 at half the size;
mobilenet_v3_small.half.logits.npy is PyTorch's output of that model (upcast to float32) on the same input.
Tests never run Python; they only read the committed files.
"""
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
import torchvision

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "torch"


def main(source: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for ext in ("onnx", "pt", "pth", "input.npy", "logits.npy"):
        shutil.copyfile(source / f"squeezenet1_1.{ext}", OUT / f"squeezenet1_1.{ext}")
    model = torchvision.models.mobilenet_v3_small()
    model.load_state_dict(torch.load(source / "mobilenet_v3_small.pth", weights_only=True))
    model.eval().half()
    torch.save(model, OUT / "mobilenet_v3_small.half.pt")
    x = torch.from_numpy(np.load(source / "squeezenet1_1.input.npy"))
    with torch.no_grad():
        y = model.float()(x)
    np.save(OUT / "mobilenet_v3_small.half.logits.npy", y.numpy().astype(np.float32))
    for f in sorted(OUT.iterdir()):
        print(f.name, f.stat().st_size)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
