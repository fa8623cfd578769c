#!/usr/bin/python3
"""Writes test/fixtures/zoo/state-dict-shapes.json: torchvision 0.14's state_dict keys and shapes.

`zoo` holds the eight architectures msplit builds (every key, in state_dict order, including
num_batches_tracked); `others` holds look-alike torchvision architectures the zoo does not build,
so identifyArchitecture can be tested on near misses. Run from the repo root with Debian's
PyTorch: /usr/bin/python3 scripts/dev/zoo-fixture.py
"""
import json
import pathlib

import torchvision
import torchvision.models as tvm

ZOO = ["alexnet", "mobilenet_v3_large", "mobilenet_v3_small", "resnet50", "resnet101",
       "squeezenet1_1", "vgg16", "vgg19"]
# Near misses: same families at other depths or widths, BN variants, older versions.
OTHERS = ["resnet18", "resnext50_32x4d", "vgg11", "vgg16_bn",
          "squeezenet1_0", "mobilenet_v2"]
OUT = pathlib.Path("test/fixtures/zoo/state-dict-shapes.json")


def shapes(name: str) -> list:
    model = getattr(tvm, name)(weights=None)
    return [[key, list(t.shape)] for key, t in model.state_dict().items()]


def group_lines(group: str, names: list, last: bool) -> list:
    lines = [f'  "{group}": {{']
    for i, name in enumerate(names):
        # One tensor per line keeps diffs small when torchvision changes.
        body = ",\n".join(f"      {json.dumps(e)}" for e in shapes(name))
        lines += [f'    "{name}": [', body, "    ]" + ("," if i < len(names) - 1 else "")]
    lines.append("  }" + ("" if last else ","))
    return lines


def main() -> None:
    lines = ["{", f'  "torchvision": {json.dumps(torchvision.__version__)},']
    lines += group_lines("zoo", ZOO, last=False)
    lines += group_lines("others", OTHERS, last=True)
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n")
    json.loads(OUT.read_text())  # the hand-assembled JSON must parse
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
