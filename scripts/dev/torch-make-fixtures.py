#!/usr/bin/python3
"""Dev-only: makes the committed fixtures of test/torch (run with Debian's /usr/bin/python3 + torch 1.13).

  /usr/bin/python3 scripts/dev/torch-make-fixtures.py

Writes
  test/torch/expected/<model>.json          names, shapes, dtypes, sums and sample values of the state dicts in
                                             test/fixtures/torch (squeezenet1_1.pth, mobilenet_v3_small.half.pt),
                                             checked against torchvision's own state_dict
  test/fixtures/torch-hostile/views.pth     non-contiguous views, offsets, shared storages, fp16/bf16/fp64/int64
  test/fixtures/torch-hostile/views.expected.json
  test/fixtures/torch-hostile/*.pt(h)       hostile pickles and archives (see HOSTILE below)
Tests never run Python; they only read these files.
"""
import io
import json
import os
import pickle
import subprocess
import sys
import types
import zipfile
from collections import OrderedDict
from pathlib import Path

import torch
import torchvision

ROOT = Path(__file__).resolve().parents[2]
TORCH = ROOT / "test" / "fixtures" / "torch"
EXPECTED = ROOT / "test" / "torch" / "expected"
HOSTILE = ROOT / "test" / "fixtures" / "torch-hostile"
MARKER = "/tmp/msplit-torch-pwned"  # a payload that ran would create this file


def summary(t):
    flat = t.detach().reshape(-1)
    f64 = flat.double()
    n = flat.numel()
    picks = sorted({0, n // 3, n // 2, n - 1}) if n else []
    return {
        "shape": list(t.shape),
        "dtype": str(t.dtype).replace("torch.", ""),
        "sum": f64.sum().item(),
        "abs_sum": f64.abs().sum().item(),
        "samples": [[i, f64[i].item()] for i in picks],
    }


def lines(obj):
    """JSON with one entry per line: small diffs, readable."""
    return "{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in obj.items()) + "\n}\n"


def expected_for(model):
    ref = getattr(torchvision.models, model)().state_dict()
    pth = TORCH / f"{model}.pth"
    # mobilenet_v3_small is committed only as a whole float16 module (see torch-clone-fixtures.py).
    sd = torch.load(pth, weights_only=True) if pth.exists() else torch.load(TORCH / f"{model}.half.pt").state_dict()
    assert list(sd.keys()) == list(ref.keys()), model
    for k in ref:
        assert sd[k].shape == ref[k].shape, k
    (EXPECTED / f"{model}.json").write_text(lines({k: summary(v) for k, v in sd.items()}))


def views():
    g = torch.Generator().manual_seed(7)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) * 0.5 - 3
    shared = torch.linspace(-1, 1, 10)
    half = (torch.arange(6, dtype=torch.float32).reshape(2, 3) / 3).half()
    sd = OrderedDict()
    sd["transposed"] = base.t()
    sd["sliced"] = base[1:3, ::2]
    sd["row"] = base[2]
    sd["shared_a"] = shared[:4]
    sd["shared_b"] = shared[4:].view(2, 3)
    sd["expanded"] = torch.tensor([1.5, -2.0, 3.25]).expand(4, 3)
    sd["permuted"] = torch.randn(2, 3, 4, generator=g).permute(2, 0, 1)
    sd["half"] = half
    sd["half_t"] = half.t()
    sd["bf16"] = torch.tensor([[1.0, -2.5], [3.14159, 1e-3]]).bfloat16()
    sd["double"] = torch.tensor([1 / 3, -2 / 3], dtype=torch.float64)
    sd["scalar"] = torch.tensor(7.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["count"] = torch.tensor(42)
    torch.save(sd, HOSTILE / "views.pth")
    exp = {}
    for k, v in sd.items():
        vals = v.reshape(-1).tolist() if v.dtype == torch.int64 else v.float().reshape(-1).tolist()
        exp[k] = {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""), "values": vals}
    (HOSTILE / "views.expected.json").write_text(lines(exp))


def put(z, name, data):
    """A stored entry with a fixed date, so regenerating gives identical bytes."""
    z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def torch_zip(path, pkl):
    """A torch-layout zip around a raw pickle, stored like torch.save does."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        put(z, "archive/data.pkl", pkl)
        put(z, "archive/version", "3\n")


class Reduce:
    """An object whose unpickling calls fn(*args): the classic pickle payload."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def hostile():
    cmd = f"touch {MARKER}"
    # GLOBAL 'os system' spelled out by hand: pickle itself would write posix.system on Linux.
    os_system = b"\x80\x02cos\nsystem\nq\x00X" + len(cmd).to_bytes(4, "little") + cmd.encode() + b"q\x01\x85q\x02Rq\x03."
    torch_zip(HOSTILE / "os_system.pt", os_system)
    torch_zip(HOSTILE / "posix_system.pt", pickle.dumps(Reduce(os.system, cmd), protocol=2))
    torch_zip(HOSTILE / "builtins_eval.pt", pickle.dumps(Reduce(eval, f"__import__('os').system('{cmd}')"), protocol=4))
    torch_zip(HOSTILE / "subprocess_popen.pt", pickle.dumps(Reduce(subprocess.Popen, ["touch", MARKER]), protocol=3))

    evil = types.ModuleType("evilpkg")
    sys.modules["evilpkg"] = evil

    class Payload:
        pass

    Payload.__module__ = "evilpkg"
    Payload.__qualname__ = "Payload"
    evil.Payload = Payload
    torch_zip(HOSTILE / "unknown_class.pt", pickle.dumps({"w": 1, "p": Payload()}, protocol=2))

    # A real torch.save with a payload hidden among ordinary tensors.
    torch.save(OrderedDict(w=torch.ones(2), x=Reduce(os.system, cmd)), HOSTILE / "nested_system.pth")

    # Path traversal beside a valid checkpoint.
    buf = io.BytesIO()
    torch.save(OrderedDict(w=torch.ones(2)), buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(HOSTILE / "traversal.pth", "w") as dst:
        for info in src.infolist():
            put(dst, info.filename, src.read(info))
        put(dst, "../msplit-torch-traversal", b"escaped")

    # A storage shorter than its tensor: 16 floats declared, 8 stored.
    buf = io.BytesIO()
    torch.save(OrderedDict(w=torch.arange(16, dtype=torch.float32)), buf)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(HOSTILE / "short_storage.pth", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            put(dst, info.filename, data[:32] if info.filename.endswith("/data/0") else data)

    # The legacy format embeds storage ids (memory addresses): this one file differs on every run.
    torch.save(OrderedDict(w=torch.ones(2)), HOSTILE / "legacy.pth", _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(torch.nn.ReLU()), HOSTILE / "torchscript.pt")


if __name__ == "__main__":
    EXPECTED.mkdir(parents=True, exist_ok=True)
    HOSTILE.mkdir(parents=True, exist_ok=True)
    for m in ["squeezenet1_1", "mobilenet_v3_small"]:
        expected_for(m)
    views()
    hostile()
    assert not os.path.exists(MARKER), "a payload ran while making fixtures"
    print("fixtures written")
