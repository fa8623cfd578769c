"""Dev-only: exports small PyTorch models whose graphs stress the splitter (dense concatenations,
inception branches, channel shuffles, LayerNorm/attention, a multi-output model, MobileNetV3 at half width), with an input
and PyTorch's own output, into test/fixtures/graphs/. Run with Debian's Python:
    /usr/bin/python3 scripts/dev/make-graph-fixtures.py
msplit's tests read the committed files and never need Python."""
import os
import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models.googlenet import Inception
from torchvision.models.shufflenetv2 import ShuffleNetV2
from torchvision.models.densenet import DenseNet
from torchvision.models.vision_transformer import VisionTransformer

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "graphs")


class TinyInception(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU())
        self.a = Inception(16, 8, 8, 12, 4, 6, 6)
        self.b = Inception(32, 8, 8, 12, 4, 6, 6)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.b(self.a(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class TwoHeads(nn.Module):
    """A model with two outputs, one of them made early, and a skip that spans the whole net."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.c3 = nn.Conv2d(8, 8, 3, padding=1)
        self.head1 = nn.Linear(8, 4)
        self.head2 = nn.Linear(8, 6)

    def forward(self, x):
        a = torch.relu(self.c1(x))
        early = self.head1(a.mean(dim=(2, 3)))
        b = torch.relu(self.c2(a))
        c = torch.relu(self.c3(b)) + a
        return early, self.head2(c.mean(dim=(2, 3)))


def models():
    torch.manual_seed(0)
    yield "densenet_tiny", DenseNet(growth_rate=8, block_config=(2, 2, 2, 2), num_init_features=16, num_classes=10), (1, 3, 64, 64), 13
    yield "inception_tiny", TinyInception(), (1, 3, 32, 32), 13
    yield "shufflenet_tiny", ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 128], num_classes=10), (1, 3, 64, 64), 13
    yield "vit_tiny", VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=10), (1, 3, 32, 32), 17
    yield "two_heads", TwoHeads(), (1, 3, 16, 16), 13
    # MobileNetV3's idioms (Hardswish, Hardsigmoid squeeze-excitation, global pooling) at a fixture's size.
    yield "mobilenet_v3_tiny", torchvision.models.mobilenet_v3_small(width_mult=0.5, num_classes=100), (1, 3, 96, 96), 13


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, model, shape, opset in models():
        model.eval()
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):  # non-trivial statistics, so BN mistakes would show
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
        x = torch.randn(*shape)
        with torch.no_grad():
            y = model(x)
        outs = y if isinstance(y, tuple) else (y,)
        names = [f"out{i}" for i in range(len(outs))] if len(outs) > 1 else ["logits"]
        path = os.path.join(OUT, f"{name}.onnx")
        torch.onnx.export(model, x, path, input_names=["input"], output_names=names, opset_version=opset,
                          dynamic_axes={"input": {0: "batch"}, **{n: {0: "batch"} for n in names}})
        np.save(os.path.join(OUT, f"{name}.input.npy"), x.numpy().astype(np.float32))
        for n, o in zip(names, outs):
            np.save(os.path.join(OUT, f"{name}.{n}.npy"), o.numpy().astype(np.float32))
        print(name, os.path.getsize(path))


if __name__ == "__main__":
    main()
