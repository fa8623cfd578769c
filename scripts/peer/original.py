#!/usr/bin/python3
"""The original system's method, re-created as msplit's benchmark peer.

What it re-creates (docs/benchmarks.md describes it): torchvision AlexNet cut
into 12 pieces (features[0] .. features[9] one layer each, features[10:], then avgpool + Flatten +
classifier), each piece saved whole with torch.save (a pickled module), encrypted with AES-CBC in the
original's file layout (8-byte little-endian plaintext size, 16-byte IV, ciphertext written in 64 KiB
chunks, the last one padded with spaces), one raw key per piece (first line of secrets/secret_N.txt,
no KDF). A cold run decrypts every piece to disk (24 KiB at a time, as the original's
decryptModel.py), torch.loads it, preprocesses the image with torchvision (Resize 256, CenterCrop
224, ToTensor, Normalize), runs the pieces in order (eval mode, without torch.no_grad, as the
original's script), and writes the top-5 (label, percent) pairs to result.txt as one Python list.
One thread throughout. Weights are random (seeded): no download.

Needs Debian's python3-torch, python3-torchvision and python3-cryptography: run it with
/usr/bin/python3. msplit itself, `npm test` and the demo never need it; `npm run bench -- cold` runs
it when it is there and says so when it is not.

Interface (stable: `npm run bench -- cold` and `msplit bench report` build on it). Every command
prints exactly one JSON object on stdout; diagnostics go to stderr; exit status 0 on success.

  original.py check
      {"ok": true, "torch": "1.13.0", "torchvision": "0.14.1", "cryptography": "38.0.4"}
      or {"ok": false, "error": "..."} with exit status 3 when a dependency is missing.

  original.py setup --dir DIR [--seed 0]
      Writes DIR/pieces/alexnet_NN_enc.pt (12 encrypted pieces), DIR/secrets/secret_NN.txt (mode
      0600) and DIR/alexnet.pth (the same random weights as a state dict, so msplit can import the
      identical model: `msplit zoo alexnet --weights DIR/alexnet.pth`).
      {"pieces": 12, "piece_bytes": [...], "weights": "DIR/alexnet.pth", "seed": 0, "setup_ms": ...}

  original.py infer --dir DIR --image IMG --labels TXT [--output result.txt]
      One cold classification, as the original's enclave script does it.
      {"phases_ms": {"interpreter": ..., "import": ..., "keys": ..., "decrypt_to_disk": ...,
       "torch_load": ..., "preprocess": ..., "first_run": ..., "result": ...},
       "total_ms": ..., "maxrss_kib": ..., "top": [[label, percent], ...]}
      `interpreter` is the time from process start (the kernel's start time of this process) to the
      first line of this script; `total_ms` spans from process start to the end.

  original.py warm --dir DIR [--runs 30] [--warmup 3]
      Loads the pieces as `infer` does, then times warm chained inference on a fixed input.
      {"runs": 30, "median_ms": ..., "min_ms": ..., "max_ms": ..., "times_ms": [...]}
"""
import os

# One thread, set before torch starts its pools (torch.set_num_threads below as well).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import time

# Seconds since boot at the script's first line, on the clock the kernel counts process starts in.
with open("/proc/uptime") as _f:
    SCRIPT_UPTIME = float(_f.read().split()[0])

import argparse
import json
import resource
import statistics
import struct
import sys

CHUNK = 64 * 1024
DECRYPT_CHUNK = 24 * 1024
PIECES = 12


def read_uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def process_age(uptime):
    """Seconds from the kernel's start of this process to `uptime` (seconds since boot; 10 ms resolution).

    Both ends are on the time since boot: the wall clock minus /proc/stat's btime (a whole second,
    and the wall clock may have been stepped since boot) over-counted by up to a second.
    """
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    start_ticks = int(fields[19])  # field 22 of stat(5), counted after the command name
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def emit(obj, status=0):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()
    sys.exit(status)


def import_stack():
    import torch
    import torchvision
    import cryptography

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    return torch, torchvision, cryptography


def piece_name(i):
    return f"alexnet_{i:02d}"


def make_pieces(torch, model):
    """The original's cut of AlexNet: one piece per features layer up to 9, features[10:], the head."""
    nn = torch.nn
    pieces = [nn.Sequential(model.features[i]) for i in range(10)]
    pieces.append(nn.Sequential(*model.features[10:]))
    pieces.append(nn.Sequential(model.avgpool, nn.Flatten(), model.classifier))
    assert len(pieces) == PIECES
    return pieces


def aes_cbc(key, iv, decrypt):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    return cipher.decryptor() if decrypt else cipher.encryptor()


def encrypt_file(key, src, dst):
    """The original's layout: u64le plaintext size, IV, CBC ciphertext of space-padded 64 KiB chunks."""
    size = os.path.getsize(src)
    iv = os.urandom(16)
    enc = aes_cbc(key, iv, decrypt=False)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        fout.write(struct.pack("<Q", size))
        fout.write(iv)
        while True:
            chunk = fin.read(CHUNK)
            if not chunk:
                break
            if len(chunk) % 16:
                chunk += b" " * (16 - len(chunk) % 16)
            fout.write(enc.update(chunk))
        fout.write(enc.finalize())


def decrypt_file(key, src, dst):
    """As the original (decryptModel.py): decrypt 24 KiB at a time to a plaintext file on disk, then cut the padding."""
    with open(src, "rb") as fin:
        size = struct.unpack("<Q", fin.read(8))[0]
        iv = fin.read(16)
        dec = aes_cbc(key, iv, decrypt=True)
        with open(dst, "wb") as fout:
            while True:
                chunk = fin.read(DECRYPT_CHUNK)
                if not chunk:
                    break
                fout.write(dec.update(chunk))
            fout.write(dec.finalize())
            fout.truncate(size)


def read_key(path):
    """The first line of the secret file, used raw as the AES key (the original: no KDF)."""
    with open(path, "rb") as f:
        return f.readline().rstrip(b"\r\n")


def cmd_check(_args):
    try:
        torch, torchvision, cryptography = import_stack()
    except ImportError as e:
        emit({"ok": False, "error": f"{e} (run with /usr/bin/python3; Debian: python3-torch python3-torchvision python3-cryptography)"}, 3)
    emit({"ok": True, "torch": torch.__version__, "torchvision": torchvision.__version__, "cryptography": cryptography.__version__})


def cmd_setup(args):
    t0 = time.perf_counter()
    torch, torchvision, _ = import_stack()
    torch.manual_seed(args.seed)
    model = torchvision.models.alexnet(weights=None).eval()
    os.makedirs(os.path.join(args.dir, "pieces"), exist_ok=True)
    secrets = os.path.join(args.dir, "secrets")
    os.makedirs(secrets, mode=0o700, exist_ok=True)
    weights = os.path.join(args.dir, "alexnet.pth")
    torch.save(model.state_dict(), weights)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    sizes = []
    for i, piece in enumerate(make_pieces(torch, model)):
        # A 32-character key line, as the original's secrets/secret_N.txt held.
        key = "".join(alphabet[b % len(alphabet)] for b in os.urandom(32))
        key_path = os.path.join(secrets, f"secret_{i:02d}.txt")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")
        plain = os.path.join(args.dir, "pieces", piece_name(i) + ".pt")
        torch.save(piece, plain)
        enc = os.path.join(args.dir, "pieces", piece_name(i) + "_enc.pt")
        encrypt_file(key.encode(), plain, enc)
        os.remove(plain)
        sizes.append(os.path.getsize(enc))
    emit({"pieces": PIECES, "piece_bytes": sizes, "weights": weights, "seed": args.seed, "setup_ms": (time.perf_counter() - t0) * 1000})


class Phases:
    def __init__(self):
        self.ms = {}
        self.t = time.perf_counter()

    def mark(self, name):
        now = time.perf_counter()
        self.ms[name] = self.ms.get(name, 0.0) + (now - self.t) * 1000
        self.t = now


def load_pieces(torch, directory, phases):
    """Decrypt every piece to disk and torch.load it, as the original's inference script does."""
    pieces = []
    for i in range(PIECES):
        key = read_key(os.path.join(directory, "secrets", f"secret_{i:02d}.txt"))
        phases.mark("keys")
        plain = os.path.join(directory, "pieces", piece_name(i) + ".pt")
        decrypt_file(key, os.path.join(directory, "pieces", piece_name(i) + "_enc.pt"), plain)
        phases.mark("decrypt_to_disk")
        pieces.append(torch.load(plain).eval())
        phases.mark("torch_load")
    return pieces


def run_chain(pieces, x):
    # As the original's script: eval() modules called in order, without torch.no_grad().
    for p in pieces:
        x = p(x)
    return x


def cmd_infer(args):
    phases = Phases()
    phases.ms["interpreter"] = max(0.0, process_age(SCRIPT_UPTIME) * 1000)
    torch, torchvision, _ = import_stack()
    from PIL import Image
    from torchvision import transforms

    phases.mark("import")
    pieces = load_pieces(torch, args.dir, phases)
    preprocess = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    x = preprocess(Image.open(args.image).convert("RGB")).unsqueeze(0)
    phases.mark("preprocess")
    out = run_chain(pieces, x)
    phases.mark("first_run")
    with open(args.labels) as f:
        labels = [line.strip() for line in f if line.strip()]
    _, indices = torch.sort(out, descending=True)
    percent = torch.nn.functional.softmax(out, dim=1)[0] * 100
    result = [(labels[int(i)], percent[i].item()) for i in indices[0][:5]]
    if args.output:
        with open(args.output, "w") as f:
            f.write(str(result))  # the original's result.txt: one Python list of (label, percent)
    phases.mark("result")
    emit({
        "phases_ms": phases.ms,
        "total_ms": process_age(read_uptime()) * 1000,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "top": result,
    })


def cmd_warm(args):
    torch, _, _ = import_stack()
    pieces = load_pieces(torch, args.dir, Phases())
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(1, 3, 224, 224, generator=g)
    times = []
    for r in range(args.warmup + args.runs):
        t0 = time.perf_counter()
        run_chain(pieces, x)
        if r >= args.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    emit({"runs": args.runs, "median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "times_ms": times})


def main():
    parser = argparse.ArgumentParser(description="The original system's method (PyTorch, AES-CBC pieces decrypted to disk), as msplit's benchmark peer.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="report whether PyTorch, torchvision and cryptography are importable")
    p = sub.add_parser("setup", help="make the 12 encrypted AlexNet pieces, their keys and the state dict")
    p.add_argument("--dir", required=True)
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("infer", help="one cold classification: decrypt to disk, torch.load, chain, result.txt")
    p.add_argument("--dir", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--output")
    p = sub.add_parser("warm", help="time warm chained inference of the loaded pieces")
    p.add_argument("--dir", required=True)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    {"check": cmd_check, "setup": cmd_setup, "infer": cmd_infer, "warm": cmd_warm}[args.command](args)


if __name__ == "__main__":
    main()
